"""Checks shared by the stack tests: what a daily run left in the warehouse, and the run table."""

from __future__ import annotations

import os
from datetime import date

import psycopg2

from gospubliki import airflow_stack, settings

NETWORKS = ("vk", "ok", "tg")
DAG_ID = airflow_stack.DAG_ID
TABLES_DIR = settings.home() / "logs" / "run-tables"


def query(url, sql, *args):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def day_outcome(url: str, day: date) -> dict:
    """What a daily run left for ``day``: load status, raw pages of the visible load, fact rows,
    per network, and the networks of the national summary."""
    out = {"status": dict(query(url, "select source, status from raw.loads where snapshot_date = %s "
                                     "and status <> 'superseded'", day))}
    out["raw_pages"] = {n: query(url, f"select count(*) from raw.{n}_pages p join raw.loads l using (load_id) "
                                      "where l.status = 'validated' and l.snapshot_date = %s", day)[0][0]
                        for n in NETWORKS}
    out["fct_rows"] = dict(query(url, "select network, count(*) from marts.fct_page_daily where snapshot_date = %s "
                                      "group by network", day))
    out["national"] = sorted(r[0] for r in query(url, "select network from marts.national_summary "
                                                      "where snapshot_date = %s", day))
    return out


def expected_outcome(url: str) -> dict:
    """Every network validated, every registry page in its load and in the facts, a national row per
    network and one for all of them."""
    pages = dict(query(url, "select network, count(*) from registry.pages group by network"))
    return {"status": {n: "validated" for n in NETWORKS}, "raw_pages": {n: pages[n] for n in NETWORKS},
            "fct_rows": {n: pages[n] for n in NETWORKS}, "national": sorted(["all", *NETWORKS])}


def print_run_table(title: str, rows: list[tuple], file_name: str) -> str:
    """The run table (run → task → state → host/worker → seconds), printed and kept under
    GOSPUBLIKI_HOME/logs/run-tables/ (pytest-xdist hides a worker's output)."""
    head = ("run_id", "task_id", "state", "hostname", "duration s")
    cells = [head, *[tuple("" if v is None else str(v) for v in r) for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    lines = [title, *("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells)]
    text = "\n".join(lines)
    print("\n" + text)
    TABLES_DIR.mkdir(parents=True, exist_ok=True)
    (TABLES_DIR / f"{file_name}{os.environ.get('PYTEST_XDIST_WORKER', '')}.txt").write_text(text + "\n")
    return text


def stack_home(name: str):
    """A fresh Airflow home for a stack, kept after the run for its logs (GOSPUBLIKI_HOME/airflow-stacks/,
    not pytest's tmp: other sessions' pytest runs prune /tmp/pytest-of-<user>/)."""
    home = settings.home() / "airflow-stacks" / f"{name}{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    airflow_stack.clean_home(home)
    return home


#: tasks of a daily run: snapshot_date, 3 extracts, 3 validations, dbt_build, marts_rebuilt,
#: rating_week_complete, all_networks_validated, dbt_source_freshness, data_alerts_digest, retention
TASKS = 14


def states(table: list[tuple], day: date) -> set[str]:
    """The task states of one run, ``rating_week_complete`` counted as 'success' when it did what
    its day asks: record the week on a Sunday, skip on any other day."""
    week = "success" if day.isoweekday() == 7 else "skipped"
    return {"success" if r[1] == "rating_week_complete" and r[2] == week else r[2] for r in table}
