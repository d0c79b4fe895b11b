"""One Cosmos ``dbt build`` task or a Cosmos ``DbtTaskGroup`` (a task per model, seed and its
tests)? Measured on a demo-sized day, both through ``airflow dags test`` (docs/operations.md,
«dbt in the DAG», has the figures).

1. a fresh database with the simulated region (``--factor``, 1.0 = the demo's ~2 000 pages) and
   one real daily run of ``gospubliki_daily`` for DAY (extract, validate, build);
2. two throw-away DAGs in a temporary DAG folder, each rebuilding every model from that day with
   ``--full-refresh`` (the same work): ``bench_dbt_build`` (the project's one task) and
   ``bench_dbt_group`` (``DbtTaskGroup``, manifest from ``dbt parse``, local dbtRunner, the
   default "test after each model");
3. prints wall time, tasks and seconds per task of each.

Usage: ``GOSPUBLIKI_PG_PORT=… .venv/bin/python benchmarks/dbt_task_overhead.py [--factor 1.0]``
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

DAY = date(2026, 11, 20)
DB = "gp_bench_dbt_overhead"

BENCH_DAGS = '''
import pendulum
from airflow.sdk import dag

from gospubliki.orchestration.dbt import dbt_build_task, profile_config
from gospubliki.transform.dbt import project_dir

START = pendulum.datetime(2026, 1, 1, tz="Europe/Moscow")


@dag(dag_id="bench_dbt_build", schedule=None, start_date=START, catchup=False, default_args={{"retries": 0}})
def bench_dbt_build():
    dbt_build_task(full_refresh=True)


@dag(dag_id="bench_dbt_group", schedule=None, start_date=START, catchup=False, default_args={{"retries": 0}})
def bench_dbt_group():
    from cosmos import DbtTaskGroup, ExecutionConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode

    DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(project_dir(), manifest_path={manifest!r}),
        profile_config=profile_config(),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, emit_datasets=False),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL,
                                         invocation_mode=InvocationMode.DBT_RUNNER),
        operator_args={{"install_deps": False, "full_refresh": True}},
    )


bench_dbt_build()
bench_dbt_group()
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=float, default=1.0, help="size of the simulated region (1.0 = demo)")
    args = parser.parse_args()

    from gospubliki import airflow_env, settings
    from gospubliki.warehouse import server

    server.start()
    admin, pipe = settings.admin_url(), settings.warehouse_url()
    conn = psycopg2.connect(urlunsplit(urlsplit(admin)._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'drop database if exists "{DB}" with (force)')
        cur.execute(f'create database "{DB}" owner "{urlsplit(pipe).username}"')
    url = urlunsplit(urlsplit(pipe)._replace(path=f"/{DB}"))

    from gospubliki.reference.load import load_reference
    from gospubliki.registry.importer import import_registry
    from gospubliki.simulator.connections import simulated_connections, world_spec
    from gospubliki.simulator.registry import write_registry_csv
    from gospubliki.simulator.scale import Scale
    from gospubliki.simulator.server import start_in_thread
    from gospubliki.simulator.world import build_world
    from gospubliki.transform import dbt

    home = settings.home() / "airflow-bench"
    log_dir = settings.home() / "logs" / "bench-dbt-overhead"
    work = Path(tempfile.mkdtemp(prefix="bench-dbt-"))
    world = build_world(Scale.from_name("region", region="43", factor=args.factor), seed=7)
    write_registry_csv(work / "registry.csv", world)
    load_reference(url)
    import_registry(work / "registry.csv", url=url)
    manifest = dbt.parse(url, target_path=work / "target")
    (work / "dags").mkdir()
    (work / "dags" / "bench_dbt.py").write_text(BENCH_DAGS.format(manifest=str(manifest)))

    with start_in_thread(world) as sim:
        airflow_env.apply(airflow_home=home, extra_connections={
            airflow_env.WAREHOUSE_CONN_ID: airflow_env.connection_json_from_url(url),
            **simulated_connections(sim.url_template, world_spec(seed=7, factor=args.factor), vk_rps=50),
        })
        os.environ["GOSPUBLIKI_WAREHOUSE_URL"] = url
        airflow_env.migrate_metadata_db()
        from gospubliki.orchestration.runner import run_daily

        daily = run_daily(DAY, log_dir)
        print(f"daily run for {DAY}: {daily.state} in {daily.seconds:.0f} s ({daily.log_file})")
        pages = query(url, "select count(*) from marts.fct_page_daily where snapshot_date = %s", DAY)[0][0]
        print(f"page-days of {DAY} in marts.fct_page_daily: {pages}")

        os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(work / "dags")
        airflow = str(Path(sys.executable).with_name("airflow"))
        for dag_id in ("bench_dbt_build", "bench_dbt_group"):
            log_file = log_dir / f"{dag_id}.log"
            started = time.monotonic()
            with log_file.open("w") as fh:
                subprocess.run([airflow, "dags", "test", dag_id, datetime.now(UTC).isoformat()],
                               stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "GOSPUBLIKI_DAILY_DEADLINE": "off"})
            seconds = time.monotonic() - started
            text = log_file.read_text(errors="replace")
            tasks = len(set(re.findall(r"\[DAG TEST\] end task task_id=(\S+)", text)))
            state = (re.findall(r"DagRun Finished: .*?state=(\w+)", text) or ["?"])[-1]
            print(f"{dag_id}: {state}, {tasks} task(s), {seconds:.0f} s wall, {seconds / max(tasks, 1):.1f} s per task "
                  f"({log_file})")


def query(url, sql, *args):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


if __name__ == "__main__":
    main()
