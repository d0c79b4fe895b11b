"""The local Airflow's task processes inherit Great Expectations, dbt and Cosmos from the
LocalExecutor's forkserver (``gospubliki.airflow_preload``) instead of importing them per task."""

from __future__ import annotations

import json
import subprocess
import sys

from gospubliki import airflow_stack

METADATA = "postgresql+psycopg2://gospubliki_airflow:pw@127.0.0.1:5432/gospubliki_airflow"


def test_the_local_executor_preloads_and_the_celery_stack_does_not(tmp_path, monkeypatch):
    monkeypatch.setenv("GOSPUBLIKI_HOME", str(tmp_path))
    local = airflow_stack.stack_env(tmp_path / "airflow", METADATA, 28080)
    assert local["AIRFLOW__SCHEDULER__MP_START_METHOD"] == "forkserver"
    assert local["AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD"] == "gospubliki.airflow_preload"
    celery = airflow_stack.stack_env(tmp_path / "airflow", METADATA, 28080,
                                     celery=airflow_stack.Celery(broker_url="redis://127.0.0.1:26379/0"))
    assert "AIRFLOW__SCHEDULER__MP_START_METHOD" not in celery
    assert "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD" not in celery


def test_the_preload_holds_the_heavy_libraries_and_none_of_our_task_code():
    """A module of ours preloaded would keep its old code in a running scheduler after an edit:
    only the Airflow plugin (which the scheduler loads anyway) and what it imports."""
    probe = (
        "import sys, json; import gospubliki.airflow_preload; "
        "print(json.dumps([sorted(m for m in sys.modules if m.split('.')[0] == 'gospubliki'), "
        "[m in sys.modules for m in ('great_expectations', 'dbt.cli.main', 'dbt.adapters.postgres', 'cosmos', "
        "'airflow.executors.local_executor')]]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    ours, heavy = json.loads(out.strip().splitlines()[-1])
    assert ours == ["gospubliki", "gospubliki.airflow_plugin", "gospubliki.airflow_preload", "gospubliki.settings"]
    assert heavy == [True] * 5
