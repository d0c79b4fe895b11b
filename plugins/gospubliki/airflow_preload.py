"""What the local Airflow's task processes share instead of each loading it again.

The LocalExecutor forks every task process from one of its workers, so whatever a worker has
imported, a task has for free. ``airflow_stack`` starts the scheduler with ``[scheduler]
mp_start_method = forkserver`` and ``mp_forkserver_preload = gospubliki.airflow_preload`` (Airflow
3.3's settings for this): the forkserver imports this module once and every worker it starts — and
so every task — inherits it. Measured on a demo day (2 cores): importing Great Expectations took
~3 s of each validate task, dbt ~3 s of each dbt task, and loading Airflow's plugins ~0.7 s of
every task.

Third-party libraries only, plus Airflow's plugin loading (which the scheduler itself does when
it forks its workers): a module of our own imported here would keep its old code in a running
scheduler after an edit, until the scheduler restarts.
"""

from __future__ import annotations

import logging

logging.getLogger("great_expectations").setLevel(logging.WARNING)  # as gospubliki.quality does

import airflow.executors.local_executor  # noqa: E402,F401  the worker's own code
import airflow.sdk  # noqa: E402,F401
import cosmos  # noqa: E402,F401  dbt_build, dbt_source_freshness
import dbt.adapters.postgres  # noqa: E402,F401
import dbt.cli.main  # noqa: E402,F401
import great_expectations  # noqa: E402,F401  validate_<network>
from airflow import plugins_manager  # noqa: E402

plugins_manager.ensure_plugins_loaded()
