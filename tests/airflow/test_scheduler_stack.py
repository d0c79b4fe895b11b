"""The daily DAG run by Airflow's real components — scheduler, dag-processor, api-server,
triggerer, each a process of its own — with the LocalExecutor and the metadata in PostgreSQL:
a run the scheduler creates from the timetable, then Airflow 3's own backfill of two days, both
against the simulator, with the same loads and marts as the `airflow dags test` runs."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest
from localports import free_port
from stackcheck import DAG_ID, TASKS, day_outcome, expected_outcome, print_run_table, stack_home, states

from gospubliki import airflow_stack
from gospubliki.dates import MOSCOW

BACKFILL_DAYS = (date(2026, 11, 20), date(2026, 11, 21))
TERMINAL = ("success", "failed")
RUN_TIMEOUT = 1800.0  # a deadline for a busy machine, not a wait


@pytest.fixture(scope="module")
def stack(simulated, metadata_db):
    _url, connections, extra_env = simulated
    started = time.monotonic()
    st = airflow_stack.Stack(home=stack_home("local"), metadata=metadata_db,
                             connections=connections, extra_env=extra_env, api_port=free_port())
    with st:
        st.wait_until(st.dag_serialized, 180, f"the dag-processor has serialized {DAG_ID}")
        print(f"\nstack up (migrate, 4 components, DAG parsed) in {time.monotonic() - started:.0f}s")
        yield st
    assert st.leftovers() == []  # no process of any component's group outlives the stack


def runs(stack, run_type: str) -> list[tuple]:
    return stack.query("select run_id, state, logical_date from dag_run where dag_id = %s and run_type = %s "
                       "order by logical_date", DAG_ID, run_type)


def wait_for_runs(stack, run_type: str, count: int) -> list[tuple]:
    def finished():
        rows = runs(stack, run_type)
        return rows if len(rows) == count and all(r[1] in TERMINAL for r in rows) else None

    return stack.wait_until(finished, RUN_TIMEOUT, f"{count} {run_type} run(s) of {DAG_ID} finished", interval=2)


def snapshot_of(logical: datetime) -> date:
    return (logical.astimezone(MOSCOW) - timedelta(days=1)).date()


def test_the_scheduler_creates_and_runs_the_due_interval(stack, simulated):
    """Unpaused with catchup off, the timetable (03:00 Moscow) has exactly one interval due: the
    latest 03:00 before now. The scheduler creates that run itself and the LocalExecutor runs it."""
    url = simulated[0]
    started = time.monotonic()
    stack.airflow("dags", "unpause", DAG_ID)
    (run_id, state, logical), = wait_for_runs(stack, "scheduled", 1)
    now = datetime.now(MOSCOW)
    due = now.replace(hour=3, minute=0, second=0, microsecond=0) - timedelta(days=0 if now.hour >= 3 else 1)
    assert logical == due
    table = stack.task_table(DAG_ID, [run_id])
    print_run_table(f"scheduled run {run_id} ({time.monotonic() - started:.0f}s)", table, "scheduler-scheduled")
    assert state == "success", table
    assert states(table, snapshot_of(logical)) == {"success"} and len(table) == TASKS
    # every task records where it ran, but the EmptyOperator gate, which the scheduler settles itself
    assert [r[1] for r in table if not r[3]] == ["all_networks_validated"]
    assert day_outcome(url, snapshot_of(logical)) == expected_outcome(url)
    # the task logs are where the api-server reads them
    logs = list((stack.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}").glob("task_id=*/attempt=1.log"))
    assert len(logs) == TASKS - 1 and all(f.stat().st_size > 0 for f in logs)  # the EmptyOperator writes none


def test_a_backfill_runs_each_day_through_the_scheduler(stack, simulated):
    """`gospubliki run`'s backfill (``airflow_stack.backfill``: `airflow backfill create`) for two
    days, executed by the module's running scheduler: one run at a time, each reported as it
    finishes with its log folder, and each day has the same loads and marts as a `dags test` run."""
    url = simulated[0]
    started = time.monotonic()
    reported = []
    results = airflow_stack.backfill(BACKFILL_DAYS[0], BACKFILL_DAYS[-1], home=stack.home, metadata=stack.metadata,
                                     on_run=reported.append)
    table = stack.task_table(DAG_ID, [r.run_id for r in results])
    print_run_table(f"backfill {BACKFILL_DAYS[0]}..{BACKFILL_DAYS[-1]} ({time.monotonic() - started:.0f}s)",
                    table, "scheduler-backfill")
    assert [(r.snapshot_date, r.state) for r in reported] == [(d, "success") for d in BACKFILL_DAYS], table
    assert results == reported and all(r.run_id.startswith("backfill__") and r.seconds > 0 for r in results)
    assert stack.query("select run_type, count(*) from dag_run where run_id = any(%s) group by 1",
                       [r.run_id for r in results]) == [("backfill", 2)]
    assert all(states([r for r in table if r[0] == run.run_id], run.snapshot_date) == {"success"} for run in results)
    assert len(table) == 2 * TASKS
    for run in results:  # the task logs are where the api-server reads them
        assert len(list(run.log_dir.glob("task_id=*/attempt=1.log"))) == TASKS - 1
    for day in BACKFILL_DAYS:
        assert day_outcome(url, day) == expected_outcome(url), day
