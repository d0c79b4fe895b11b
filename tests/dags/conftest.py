"""Fixtures for the Airflow tests: an initialised metadata database and a DagBag of dags/."""

from __future__ import annotations

import time

import pytest

from gospubliki import airflow_env, settings


@pytest.fixture(scope="session")
def airflow_db():
    airflow_env.migrate_metadata_db()


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    bag = DagBag(dag_folder=str(settings.REPO_ROOT / "dags"))
    print(f"\nDagBag parse of dags/: {time.perf_counter() - started:.2f}s for {len(bag.dags)} DAG(s)")
    return bag
