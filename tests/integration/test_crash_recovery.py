"""Crash recovery with real processes and a real PostgreSQL: the pipeline (extract → COPY →
Great Expectations → dbt build, VK and OK) runs in a child process that is SIGKILLed at a known
point (``gospubliki.crashpoints``: the kill happens at that line, never after a timer), or
PostgreSQL itself is killed with kill -9 while the child waits at a known point. Then the same
date runs again, uninterrupted, and must leave exactly one validated load per network and date,
no load 'loading'/'loaded', and marts equal (content hash of every mart table) to those of a run
that was never interrupted.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
from datetime import timedelta
from pathlib import Path

import pipeline_world as pw
import pytest
from localports import free_port

from gospubliki import settings
from gospubliki.simulator.server import start_in_thread
from gospubliki.warehouse import db, loads, server

pytestmark = pytest.mark.integration

KILLED = -signal.SIGKILL


@pytest.fixture(scope="module")
def world():
    return pw.small_world()


@pytest.fixture(scope="module")
def sim(world):
    with start_in_thread(world, config=pw.emulator_config()) as handle:
        yield handle


@pytest.fixture(scope="module")
def uninterrupted(module_db, world, sim, tmp_path_factory) -> dict:
    """The same day run once, never interrupted: what every recovery must end equal to."""
    tmp = tmp_path_factory.mktemp("uninterrupted")
    pw.prepare(module_db, world, tmp)
    assert pw.run_child(pw.child_env(module_db, sim), tmp / "child.log") == 0
    return {
        "loads": pw.loads_by_status(module_db),
        "rows": pw.raw_rows(module_db),
        "marts": pw.marts_hash(module_db),
    }


def _statuses(url: str) -> list[tuple]:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select load_id, source, status, details->>'failure' from raw.loads order by load_id"
        )
        return cur.fetchall()


def _validated_rows(url: str) -> dict[str, int]:
    """Raw rows of the validated loads only (what staging reads)."""
    with db.connect(url) as conn, conn.cursor() as cur:
        counts = {}
        for source in pw.NETWORKS:
            for table in loads.raw_tables_of(cur, source):
                cur.execute(
                    f"select count(*) from {table} t join raw.loads l using (load_id) where l.status = 'validated'"
                )
                counts[table] = cur.fetchone()[0]
    return counts


def test_sigkill_at_each_step_then_the_same_date_again_equals_an_uninterrupted_run(
    fresh_db, world, sim, uninterrupted, tmp_path
):
    pw.prepare(fresh_db, world, tmp_path)
    log = tmp_path / "child.log"

    def crash_at(point: str) -> None:
        code = pw.run_child(pw.child_env(fresh_db, sim, GOSPUBLIKI_TEST_CRASH_AT=point), log)
        assert code == KILLED, f"the child was to be killed at {point!r}; exit {code}; see {log}"

    crash_at("extract")  # mid-extraction: nothing written
    assert (pw.loads_by_status(fresh_db), sum(pw.raw_rows(fresh_db).values())) == ({}, 0)

    crash_at("copy")  # inside the landing transaction: the 'loading' row dies with it
    assert (pw.loads_by_status(fresh_db), sum(pw.raw_rows(fresh_db).values())) == ({}, 0)

    crash_at("validate")  # the case: landed, GX under way -> an orphan 'loaded' load
    assert pw.loads_by_status(fresh_db) == {"vk": {"loaded": 1}}
    orphan_rows = pw.raw_rows(fresh_db)
    assert orphan_rows["raw.vk_pages"] == uninterrupted["rows"]["raw.vk_pages"]

    crash_at("dbt")  # both networks validated, the first mart built, the rest not
    after_dbt_crash = _statuses(fresh_db)
    assert [(s, st) for _, s, st, _ in after_dbt_crash] == [
        ("vk", "failed"), ("vk", "validated"), ("ok", "validated")
    ]
    # the orphan was failed, with the reason, when the next VK run started
    assert after_dbt_crash[0][3].startswith("abandoned: still loaded when a new run of vk for 2026-03-01 started")

    assert pw.run_child(pw.child_env(fresh_db, sim), log) == 0  # the same date again
    by_status = pw.loads_by_status(fresh_db)
    rows_before_prune = pw.raw_rows(fresh_db)
    marts = pw.marts_hash(fresh_db)
    print(
        f"\nafter recovery: loads {by_status}; raw rows {rows_before_prune} "
        f"(uninterrupted {uninterrupted['rows']}); marts equal: {marts == uninterrupted['marts']}"
    )
    assert by_status == {
        "ok": {"superseded": 1, "validated": 1},
        "vk": {"failed": 1, "superseded": 1, "validated": 1},
    }
    assert _validated_rows(fresh_db) == uninterrupted["rows"]
    assert marts == uninterrupted["marts"]
    # superseded loads' rows went at publish; the failed orphan's stay until the retention rule
    assert rows_before_prune == {
        t: n + (orphan_rows[t] if t.startswith("raw.vk_") else 0) for t, n in uninterrupted["rows"].items()
    }
    pruned = loads.prune(older_than=timedelta(0), url=fresh_db)
    assert [(p.source, p.status, p.rows) for p in pruned] == [
        ("vk", "failed", {t: n for t, n in orphan_rows.items() if t.startswith("raw.vk_")} | {"raw.quarantine": 0})
    ]
    assert pw.raw_rows(fresh_db) == uninterrupted["rows"]
    assert pw.marts_hash(fresh_db) == uninterrupted["marts"]  # pruning touches no validated row


# ---------------------------------------------------------------- kill -9 of PostgreSQL
@pytest.fixture
def own_server(monkeypatch):
    """An embedded PostgreSQL of its own (own home and port): killing it hits no other test.

    Its home is inside the session's GOSPUBLIKI_HOME, not pytest's tmp_path: run as root the
    server runs as an unprivileged user, and pytest (of any session on the machine) may make
    its /tmp/pytest-of-root folder private again at any time."""
    home = settings.home() / "crash-test-home"
    monkeypatch.setenv("GOSPUBLIKI_HOME", str(home))
    monkeypatch.setenv("GOSPUBLIKI_PG_PORT", str(free_port()))
    monkeypatch.delenv("GOSPUBLIKI_WAREHOUSE_URL", raising=False)
    server.destroy()  # a leftover of an interrupted session
    server.start()
    try:
        yield settings.warehouse_url()
    finally:
        server.destroy()
        shutil.rmtree(home, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _wait_gone(pids: list[int], timeout: float = 60.0) -> None:
    """Block until every process has exited (a pidfd becomes readable when its process exits)."""
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, f"process {pid} still alive {timeout:.0f}s after the postmaster was killed"
        finally:
            os.close(fd)


def _kill_postgres_while_child_waits_at(point: str, url: str, sim, log: Path) -> int:
    """Child pauses at ``point``; kill -9 the postmaster; let the child go on against the dead
    server (it fails); restart the server. Returns the child's exit code."""
    child = pw.start_child(pw.child_env(url, sim, GOSPUBLIKI_TEST_PAUSE_AT=point), log)
    try:
        assert child.stdout.readline().strip() == f"PAUSED {point}", f"see {log}"
        postmaster = server.status().pid
        backends = _children(postmaster)
        os.kill(postmaster, signal.SIGKILL)
        _wait_gone([postmaster, *backends])  # backends exit when they see the postmaster is gone
        assert not server.status().running
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    server.start()  # crash recovery replays the WAL
    return child.returncode


def test_kill_9_of_postgres_during_copy_and_validation_then_the_same_date_again(
    own_server, world, sim, uninterrupted, tmp_path
):
    url = own_server
    pw.prepare(url, world, tmp_path)
    log = tmp_path / "child.log"

    # during the COPY: the connection dies mid-transaction -> the load never existed
    assert _kill_postgres_while_child_waits_at("copy", url, sim, log) == 1
    assert (pw.loads_by_status(url), sum(pw.raw_rows(url).values())) == ({}, 0)

    # during validation (the case): the load was committed 'loaded'; nothing can finish it
    assert _kill_postgres_while_child_waits_at("validate", url, sim, log) == 1
    assert pw.loads_by_status(url) == {"vk": {"loaded": 1}}
    rows_before = pw.raw_rows(url)

    assert pw.run_child(pw.child_env(url, sim), log) == 0  # the same date again
    statuses = _statuses(url)
    by_status = pw.loads_by_status(url)
    marts = pw.marts_hash(url)
    print(
        f"\nPostgreSQL killed twice; after recovery: loads {by_status}; raw rows before "
        f"{rows_before}, after {pw.raw_rows(url)}; marts equal: {marts == uninterrupted['marts']}"
    )
    assert by_status == {"ok": {"validated": 1}, "vk": {"failed": 1, "validated": 1}}
    assert statuses[0][3].startswith("abandoned: still loaded when a new run of vk for 2026-03-01 started")
    assert _validated_rows(url) == uninterrupted["rows"]
    assert marts == uninterrupted["marts"]
