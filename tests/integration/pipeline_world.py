"""A small simulated world run through the real pipeline in child processes (crash and load
life-cycle tests): registry + reference in a database, the simulator's VK and OK, one child
process per run (``crash_child.py``), and what to compare afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.simulator.config import (
    DEFAULT_OK_APP_KEY,
    DEFAULT_OK_APP_SECRET,
    DEFAULT_OK_TOKENS,
    DEFAULT_VK_TOKENS,
    EmulatorConfig,
)
from gospubliki.simulator.registry import synthetic_municipalities, write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import World, build_world
from gospubliki.warehouse import db, loads

DAY = date(2026, 3, 1)
NETWORKS = ("vk", "ok")
CHILD = Path(__file__).with_name("crash_child.py")
#: mart columns that name the run rather than the data: load ids, dbt's run time, when the
#: sources were processed or changed (registry import, loads)
RUN_COLUMNS = ("load_id", "processed_at", "source_processed_at", "source_changed_at")


def small_world() -> World:
    """~100 VK and ~50 OK pages: a region at a tenth of its size."""
    return build_world(Scale.from_name("region", factor=0.1), seed=3)


def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(rate_per_second=1_000)  # the tests are about crashes, not pacing


def prepare(url: str, world: World, tmp: Path) -> None:
    """Reference data and the world's registry, imported by the real importer."""
    load_reference(url, extra_municipalities=synthetic_municipalities(world))
    csv_path = tmp / "registry.csv"
    write_registry_csv(csv_path, world)
    import_registry(csv_path, url)


def child_env(url: str, sim, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("GOSPUBLIKI_TEST_CRASH_AT", "GOSPUBLIKI_TEST_PAUSE_AT")
    }
    env.update(
        GOSPUBLIKI_WAREHOUSE_URL=url,
        GOSPUBLIKI_VK_TOKENS=",".join(DEFAULT_VK_TOKENS),
        GOSPUBLIKI_VK_API_URL=sim.url_template,
        GOSPUBLIKI_VK_RPS="200",
        GOSPUBLIKI_VK_RETRY_WAIT="0.05",
        GOSPUBLIKI_OK_APP_KEY=DEFAULT_OK_APP_KEY,
        GOSPUBLIKI_OK_APP_SECRET=DEFAULT_OK_APP_SECRET,
        GOSPUBLIKI_OK_TOKEN=",".join(DEFAULT_OK_TOKENS),
        GOSPUBLIKI_OK_API_URL=sim.url_template,
        GOSPUBLIKI_OK_RPS="200",
        GOSPUBLIKI_OK_RETRY_WAIT="0.05",
        **extra,
    )
    return env


def start_child(env: dict[str, str], log: Path, networks=NETWORKS, day: date = DAY) -> subprocess.Popen:
    """The pipeline for ``day`` in a new process; stdout is a pipe (``PAUSED <point>``, ``DONE``)."""
    return subprocess.Popen(
        [sys.executable, str(CHILD), day.isoformat(), *networks],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log.open("a"),
        text=True,
    )


def run_child(env: dict[str, str], log: Path, networks=NETWORKS, day: date = DAY) -> int:
    """Run to the end (or to its crash); returns the exit code (-9: killed by SIGKILL)."""
    proc = start_child(env, log, networks, day)
    proc.communicate(timeout=900)
    return proc.returncode


def loads_by_status(url: str) -> dict[str, dict[str, int]]:
    """``{source: {status: loads}}``."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select source, status from raw.loads")
        counts: dict[str, Counter] = {}
        for source, status in cur.fetchall():
            counts.setdefault(source, Counter())[status] += 1
    return {source: dict(c) for source, c in sorted(counts.items())}


def raw_rows(url: str) -> dict[str, int]:
    """Rows of every raw table of the networks (``raw.<source>_*`` with a ``load_id``)."""
    with db.connect(url) as conn, conn.cursor() as cur:
        counts = {}
        for source in NETWORKS:
            for table in loads.raw_tables_of(cur, source):
                cur.execute(f"select count(*) from {table}")
                counts[table] = cur.fetchone()[0]
    return counts


def marts_hash(url: str) -> dict[str, str]:
    """md5 of every mart table's rows in order (run columns left out), by table."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """select table_name from information_schema.tables
               where table_schema = 'marts' and table_type = 'BASE TABLE' order by table_name"""
        )
        tables = [r[0] for r in cur.fetchall()]
        hashes = {}
        for table in tables:
            cur.execute(
                """select string_agg(quote_ident(column_name), ', ' order by ordinal_position)
                   from information_schema.columns
                   where table_schema = 'marts' and table_name = %s and column_name <> all(%s)""",
                (table, list(RUN_COLUMNS)),
            )
            columns = cur.fetchone()[0]
            cur.execute(
                f"""select count(*), md5(coalesce(string_agg(r::text, E'\\n' order by r::text), ''))
                    from (select {columns} from marts.{table}) r"""
            )
            n, digest = cur.fetchone()
            hashes[table] = f"{n}:{digest}"
    return hashes
