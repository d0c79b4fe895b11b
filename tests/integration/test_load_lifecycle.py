"""Every load ends 'validated' or 'failed': abandoned loads are failed with the reason when the
network's next run starts, the rows of old failed loads go by the retention rule (the audit row
stays), a load cut short by lost credentials is failed, and a validation that cannot run rejects
its load on the task's last try. Real PostgreSQL, the real VK extraction over HTTP to the
simulator."""

from __future__ import annotations

from datetime import timedelta

import pipeline_world as pw
import pytest
from typer.testing import CliRunner

from gospubliki.cli import app
from gospubliki.clients.errors import NoCredentialsLeft
from gospubliki.extract.vk import run_vk_extraction
from gospubliki.orchestration.networks import reject_on_last_try
from gospubliki.simulator.config import DEFAULT_VK_TOKENS, Faults
from gospubliki.simulator.server import start_in_thread
from gospubliki.warehouse import db, loads

pytestmark = pytest.mark.integration

DAY = pw.DAY


@pytest.fixture(scope="module")
def world():
    return pw.small_world()


@pytest.fixture
def faults():
    return Faults()


@pytest.fixture
def sim(world, faults):
    with start_in_thread(world, config=pw.emulator_config(), faults=faults) as handle:
        yield handle


@pytest.fixture
def registry(fresh_db, world, tmp_path, monkeypatch):
    pw.prepare(fresh_db, world, tmp_path)
    monkeypatch.setenv("GOSPUBLIKI_STALE_LOAD_HOURS", "6")
    monkeypatch.setenv("GOSPUBLIKI_FAILED_LOAD_RETENTION_DAYS", "14")
    return fresh_db


def _extract(url, sim, day=DAY, tokens=DEFAULT_VK_TOKENS) -> int:
    return run_vk_extraction(day, url=url, base_url=sim.url_template, tokens=list(tokens), rps=200).load_id


def _sql(url, query, params=()):
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else None


def _age(url, load_id, hours):
    """Make a load look ``hours`` old (landed, started and, if finished, finished then)."""
    _sql(
        url,
        """update raw.loads set started_at = started_at - %(i)s, loaded_at = loaded_at - %(i)s,
                  finished_at = finished_at - %(i)s where load_id = %(id)s""",
        {"i": timedelta(hours=hours), "id": load_id},
    )


def _status(url, load_id):
    [(status, failure)] = _sql(url, "select status, details->>'failure' from raw.loads where load_id = %s", (load_id,))
    return status, failure


def _rows(url, load_id) -> dict[str, int]:
    return {
        t: _sql(url, f"select count(*) from {t} where load_id = %s", (load_id,))[0][0]
        for t in ("raw.vk_pages", "raw.vk_posts")
    }


def test_abandoned_loads_are_failed_with_the_reason_when_the_networks_next_run_starts(registry, sim):
    url = registry
    old = _extract(url, sim, DAY - timedelta(days=3))  # to be landed 7 h ago, never validated
    recent = _extract(url, sim, DAY - timedelta(days=1))  # landed just now: may be under validation
    same_day = _extract(url, sim, DAY)  # the date the next run is for
    _age(url, old, 7)
    ok_old = _sql(
        url,
        """insert into raw.loads (source, snapshot_date, status, started_at)
           values ('ok', %s, 'loaded', now() - interval '7 hours') returning load_id""",
        (DAY - timedelta(days=3),),
    )[0][0]
    legacy_loading = _sql(  # no code commits 'loading' (see below); an old row of another version may
        url,
        """insert into raw.loads (source, snapshot_date, status, started_at)
           values ('vk', %s, 'loading', now() - interval '8 hours') returning load_id""",
        (DAY - timedelta(days=5),),
    )[0][0]

    new = _extract(url, sim, DAY)  # the next VK run of DAY: its start fails what was abandoned

    status, reason = _status(url, old)
    assert status == "failed" and reason.startswith("stale: still loaded 07:00:")  # + the seconds since
    assert reason.endswith("after it was landed (limit 06:00:00); its run died or was abandoned")
    assert _status(url, same_day) == (
        "failed", "abandoned: still loaded when a new run of vk for 2026-03-01 started (its run died or was abandoned)"
    )
    assert _status(url, legacy_loading)[0] == "failed"
    assert _status(url, legacy_loading)[1].startswith("stale: still loading 08:00:")
    assert _status(url, recent) == ("loaded", None)  # younger than the limit, another date
    assert _status(url, ok_old) == ("loaded", None)  # another network's run will see to it
    assert _status(url, new) == ("loaded", None)
    assert _rows(url, old)["raw.vk_pages"] == 100  # failed, its rows kept for inspection

    # the maintenance command does the same for every network (or one), and refuses a bad name
    runner = CliRunner()
    result = runner.invoke(app, ["warehouse", "prune", "--network", "ok"])
    assert result.exit_code == 0, result.output
    assert f"load {ok_old} (ok, 2026-02-26) loaded -> failed: stale" in result.output
    assert _status(url, ok_old)[0] == "failed"
    bad = runner.invoke(app, ["warehouse", "prune", "--network", "facebook"])
    assert (bad.exit_code, bad.output) == (2, "error: unknown network 'facebook'; known: vk, ok, tg\n")


def test_retention_deletes_the_rows_of_old_failed_loads_and_keeps_the_audit_row(registry, sim):
    url = registry
    old_failed = _extract(url, sim, DAY - timedelta(days=20))
    loads.reject(old_failed, "test: failed 15 days ago", url)
    young_failed = _extract(url, sim, DAY - timedelta(days=2))
    loads.reject(young_failed, "test: failed 13 days ago", url)
    validated = _extract(url, sim, DAY - timedelta(days=20))
    loads.publish(validated, url)
    for load, days in ((old_failed, 15), (young_failed, 13), (validated, 15)):
        _age(url, load, days * 24)
    before = {load: _rows(url, load) for load in (old_failed, young_failed, validated)}
    assert all(r["raw.vk_pages"] == 100 for r in before.values())

    _extract(url, sim, DAY)  # the next VK run applies the retention rule at its start

    after = {load: _rows(url, load) for load in (old_failed, young_failed, validated)}
    print(f"\nraw rows before {before}\nafter {after}")
    assert after == {
        old_failed: {"raw.vk_pages": 0, "raw.vk_posts": 0},
        young_failed: before[young_failed],
        validated: before[validated],
    }
    [(status, failure, pruned)] = _sql(
        url, "select status, details->>'failure', details->'pruned' from raw.loads where load_id = %s", (old_failed,)
    )
    assert (status, failure) == ("failed", "test: failed 15 days ago")  # the audit row stays
    assert pruned["rows_by_table"] == {**before[old_failed], "raw.quarantine": 0}  # its quarantined rows go too
    assert loads.prune(url=url) == []  # pruned once


def test_all_tokens_invalid_lands_what_was_read_and_fails_the_load(registry, sim, faults):
    faults.revoked_tokens = set(DEFAULT_VK_TOKENS)
    with pytest.raises(NoCredentialsLeft, match="failed, partial: every credential stopped"):
        _extract(registry, sim)
    [(load_id, status, failure, partial)] = _sql(
        registry, "select load_id, status, details->>'failure', details->'partial' from raw.loads"
    )
    assert (status, partial) == ("failed", True)
    assert failure.startswith("partial: every credential stopped, 100 rows read were landed")
    assert _sql(registry, "select fetch_status, count(*) from raw.vk_pages group by 1") == [("error", 100)]
    assert _sql(registry, "select count(*) from raw.loads where status in ('loading', 'loaded')") == [(0,)]


def test_a_validation_that_cannot_run_rejects_its_load_on_the_last_try(registry, sim):
    load_id = _extract(registry, sim)
    error = RuntimeError("the checkpoint crashed")
    assert not reject_on_last_try(load_id, error, try_number=1, max_tries=2, url=registry)
    assert not reject_on_last_try(load_id, error, try_number=2, max_tries=2, url=registry)
    assert _status(registry, load_id) == ("loaded", None)  # a retry may still validate it
    assert reject_on_last_try(load_id, error, try_number=3, max_tries=2, url=registry)
    assert _status(registry, load_id) == (
        "failed", "validation could not run (try 3 of 3): RuntimeError: the checkpoint crashed"
    )
    # warehouse unreachable: the task's own error stands, the next run's start fails the load
    down = "postgresql://gospubliki:x@127.0.0.1:9/gospubliki?connect_timeout=2"
    assert not reject_on_last_try(load_id, error, try_number=3, max_tries=2, url=down)
