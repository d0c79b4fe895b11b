"""``gospubliki demo`` (``make demo``) as a newcomer runs it, on a small world: its DAG runs are an
Airflow backfill executed by the real scheduler on the metadata database the UI shows (issue 9:
the demo's ``airflow dags test`` runs had no task logs in the UI and durations counted from the
logical date), and it still prints the loads, the summary and a rating with dynamics.

The real command in a subprocess with a home of its own, its own metadata database on the test
server and a fresh warehouse database; two days, seven days of generated history before them."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest

from gospubliki.dates import MOSCOW
from gospubliki.warehouse.privileges import with_database

pytestmark = pytest.mark.integration

GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))
DAYS = 2


@pytest.fixture(scope="module")
def demo(module_db, local_airflow_env):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(local_airflow_env(module_db))
    started = datetime.now().astimezone()
    t0 = time.monotonic()
    proc = subprocess.run([GOSPUBLIKI, "demo", "--days", str(DAYS), "--history-days", "7", "--factor", "0.2"],
                          env=env, capture_output=True, text=True, timeout=2400)
    print(f"\n`gospubliki demo --days {DAYS}`: exit {proc.returncode} in {time.monotonic() - t0:.0f}s")
    metadata = with_database(env["GOSPUBLIKI_WAREHOUSE_ADMIN_URL"], env["GOSPUBLIKI_AIRFLOW_DATABASE"])
    return {"proc": proc, "out": proc.stdout, "started": started, "metadata": metadata,
            "home": Path(env["GOSPUBLIKI_HOME"]), "db": module_db}


def query(url: str, sql: str, *args) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def test_the_demo_runs_its_days_as_a_backfill_of_the_real_scheduler(demo):
    out = demo["out"]
    assert demo["proc"].returncode == 0, out[-4000:] + demo["proc"].stderr[-3000:]
    assert "starting a temporary Airflow" in out
    yesterday = date.today() - timedelta(days=1)
    days = [yesterday - timedelta(days=i) for i in range(DAYS - 1, -1, -1)]
    for day in days:
        assert re.search(rf"✓ {day}: success in \d+s", out), out[-3000:]
    runs = query(demo["metadata"],
                 "select run_id, run_type, state, start_date, end_date, logical_date from dag_run "
                 "where dag_id = 'gospubliki_daily' order by logical_date")
    assert [(r[1], r[2]) for r in runs] == [("backfill", "success")] * DAYS
    # the run that collects day D is the 03:00 Moscow run of D + 1, and it ran now, for minutes
    assert [r[5].astimezone(MOSCOW).date() - timedelta(days=1) for r in runs] == days
    for _, _, _, start, end, _ in runs:
        assert start >= demo["started"].replace(microsecond=0)
        assert timedelta(0) < end - start < timedelta(minutes=30)
    # every task of every run has its log file where the UI reads it, with what the task did
    tis = query(demo["metadata"],
                "select run_id, task_id, state, try_number from task_instance where dag_id = 'gospubliki_daily'")
    assert len(tis) == 14 * DAYS
    logs = demo["home"] / "airflow" / "logs" / "dag_id=gospubliki_daily"
    for run_id, task_id, state, try_number in tis:
        if state == "skipped" or task_id == "all_networks_validated":  # not run by a task process
            continue
        files = list((logs / f"run_id={run_id}" / f"task_id={task_id}").glob(f"attempt={try_number}.log"))
        assert files and files[0].stat().st_size > 0, (run_id, task_id)
    loads = query(demo["db"], "select source, load_id from raw.loads where snapshot_date = %s and status = 'validated'",
                  days[-1])
    vk_load = dict(loads)["vk"]
    last_run = runs[-1][0]
    text = (logs / f"run_id={last_run}" / "task_id=extract_vk" / "attempt=1.log").read_text()
    assert f"Returned value was: {vk_load}" in text


def test_the_demo_prints_the_loads_summary_and_rating_and_where_the_runs_are(demo):
    out = demo["out"]
    assert "Raw loads" in out and "Госпаблики: сводка" in out and "Рейтинг госпабликов муниципалитетов" in out
    assert "Динамика" in out
    assert "these DAG runs with their task logs" in out and "make ui" in out
