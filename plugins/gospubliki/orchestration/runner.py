"""Run the daily DAG locally, one real Airflow DAG run per snapshot date (``airflow dags test``).

Used by the DAG tests (``tests/dags/``) and ``benchmarks/dbt_task_overhead.py``; ``make demo`` and
``gospubliki run`` make Airflow backfills through the real scheduler instead
(``airflow_stack.backfill``). Each run is a subprocess of the
Airflow CLI so the task logs go to a file and the caller's console stays readable; the run's
final state is read from Airflow's own summary line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from gospubliki.dates import MOSCOW

DAG_ID = "gospubliki_daily"
_FINISHED = re.compile(r"DagRun Finished: .*?state=(\w+)")


@dataclass
class DagRunResult:
    snapshot_date: date
    logical_date: datetime
    state: str
    seconds: float
    log_file: Path

    @property
    def ok(self) -> bool:
        return self.state == "success"


def logical_date_for(snapshot_date: date) -> datetime:
    """The scheduled run that collects ``snapshot_date``: 03:00 Moscow time the next day."""
    return datetime.combine(snapshot_date + timedelta(days=1), dtime(3, 0), tzinfo=MOSCOW)


def run_daily(snapshot_date: date, log_dir: Path, dag_id: str = DAG_ID) -> DagRunResult:
    """``airflow dags test`` for the run that collects ``snapshot_date``; Airflow's env must be set
    (``gospubliki.airflow_env.apply``)."""
    return run_dag(dag_id, logical_date_for(snapshot_date), snapshot_date, log_dir)


def run_dag(dag_id: str, logical: datetime, snapshot_date: date, log_dir: Path) -> DagRunResult:
    """``airflow dags test DAG_ID LOGICAL_DATE`` with its output in a log file."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"{dag_id}_{snapshot_date.isoformat()}.log"
    airflow = str(Path(sys.executable).with_name("airflow"))
    started = time.monotonic()
    # no DeadlineAlert under `dags test`: Airflow 3.3.2's dag.test() looks the deadlines of a run
    # that succeeded up by the serialized alert instead of its id and crashes (AttributeError:
    # 'dict' object has no attribute 'hex' in DagRun.update_state); a test run has no deadline
    env = {**os.environ, "GOSPUBLIKI_DAILY_DEADLINE": "off"}
    with log_file.open("w") as fh:
        proc = subprocess.run(
            [airflow, "dags", "test", dag_id, logical.isoformat()], stdout=fh, stderr=subprocess.STDOUT, text=True,
            env=env,
        )
    text = log_file.read_text(errors="replace")
    states = _FINISHED.findall(text)
    state = states[-1] if states else ("failed" if proc.returncode else "unknown")
    return DagRunResult(snapshot_date, logical, state, time.monotonic() - started, log_file)
