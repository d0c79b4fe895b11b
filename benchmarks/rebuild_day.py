"""Re-run one day's daily build on a kept benchmark database and print where its seconds go.

``bench.py --days 365 --keep`` leaves a year of national history; this script deletes one
network's page-days of one date from ``marts.fct_page_daily`` (so that its validated load counts as
new again: ``fct_page_daily`` re-processes it, every mart downstream its date) and runs the daily
DAG's ``dbt build``: seconds in all and the slowest nodes (dbt's ``run_results.json``). Run it
before and after a change to a model or macro to compare the same day on the same history
(docs/benchmarks.md gives the figures measured this way)::

    GOSPUBLIKI_PG_PORT=54339 python benchmarks/rebuild_day.py --database gp_bench_2040b4 --date 2026-11-01
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import psycopg2
from bench import _with_db, dbt_build, slowest_nodes

from gospubliki import settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="the kept scratch database (bench.py prints its name)")
    parser.add_argument("--date", required=True, help="snapshot date to re-process (YYYY-MM-DD)")
    parser.add_argument("--network", default="vk", choices=("vk", "ok", "tg"))
    args = parser.parse_args(argv)
    url = _with_db(settings.warehouse_url(), args.database)
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("delete from marts.fct_page_daily where snapshot_date = %s and network = %s",
                    (args.date, args.network))
        print(f"{cur.rowcount} page-days of {args.network} {args.date} to re-process", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        seconds = dbt_build(url, Path(tmp))
        nodes = slowest_nodes(Path(tmp) / "target" / "run_results.json", top=8)
    print(f"dbt build: {seconds:.1f} s; slowest: " + ", ".join(f"{name} {secs} s" for name, secs in nodes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
