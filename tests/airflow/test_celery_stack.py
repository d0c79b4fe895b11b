"""The daily DAG on the CeleryExecutor with two workers on this machine, configured as
docker-compose.yaml does (Redis broker, result backend in the metadata PostgreSQL): a run
triggered through the scheduler lands its tasks on both workers, and leaves the right loads
and marts."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta

import pytest
from localports import free_port
from stackcheck import DAG_ID, TASKS, day_outcome, expected_outcome, print_run_table, stack_home, states

from gospubliki import airflow_stack
from gospubliki.dates import MOSCOW

DAY = date(2026, 11, 22)
WORKERS = ("worker1", "worker2")


@pytest.fixture(scope="module")
def celery_stack(simulated, metadata_db):
    _url, connections, extra_env = simulated
    home = stack_home("celery")
    started = time.monotonic()
    broker_port = free_port()
    redis = airflow_stack.start_redis(broker_port, home / "redis" / "redis.log")
    try:
        # no scheduled runs: the one run of this module is the triggered one
        st = airflow_stack.Stack(
            home=home, metadata=metadata_db, connections=connections, extra_env=extra_env, api_port=free_port(),
            celery=airflow_stack.Celery(broker_url=f"redis://127.0.0.1:{broker_port}/0", workers=WORKERS),
            schedule_runs=False)
        with st:
            st.wait_until(st.dag_serialized, 180, f"the dag-processor has serialized {DAG_ID}")
            print(f"\nCelery stack up (redis, migrate, 4 components, 2 workers, DAG parsed) "
                  f"in {time.monotonic() - started:.0f}s")
            yield st
        assert st.leftovers() == []  # no process of any component's group outlives the stack
    finally:
        airflow_stack.stop_process(redis)


def test_a_triggered_run_lands_on_both_celery_workers(celery_stack, simulated):
    """Each worker holds at most two tasks (concurrency 2; Airflow's Celery config acks late and
    prefetches one per process), so the three extractions queued together cannot all go to one
    worker."""
    st, url = celery_stack, simulated[0]
    started = time.monotonic()
    st.airflow("dags", "unpause", DAG_ID)
    logical = datetime(DAY.year, DAY.month, DAY.day, 3, tzinfo=MOSCOW) + timedelta(days=1)
    st.airflow("dags", "trigger", DAG_ID, "--logical-date", logical.isoformat(), "--run-id", "celery_test",
               "--conf", json.dumps({"snapshot_date": DAY.isoformat()}))

    def finished():
        rows = st.query("select state from dag_run where dag_id = %s and run_id = 'celery_test'", DAG_ID)
        return rows if rows and rows[0][0] in ("success", "failed") else None

    (state,), = st.wait_until(finished, 1800, "the triggered run finished", interval=2)
    table = st.task_table(DAG_ID, ["celery_test"])
    print_run_table(f"CeleryExecutor run celery_test for {DAY} ({time.monotonic() - started:.0f}s)", table,
                    "celery-run")
    assert state == "success", table
    assert states(table, DAY) == {"success"} and len(table) == TASKS
    workers = {r[3].split("@")[0] for r in table if r[3]}
    assert workers == set(WORKERS), table  # both workers ran tasks, and nothing else did
    assert day_outcome(url, DAY) == expected_outcome(url)
    # the scheduler made no run of its own (schedule_runs=False): only the triggered one exists
    assert st.query("select run_id from dag_run where dag_id = %s", DAG_ID) == [("celery_test",)]
