"""The dbt part of the DAGs, run with Cosmos.

One Cosmos ``DbtBuildLocalOperator`` task runs ``dbt build`` (seeds, models, tests, unit tests) in
process (``InvocationMode.DBT_RUNNER``), with the dbt profile built from the Airflow connection
``gospubliki_warehouse`` (no credentials in profiles.yml).

Why one task and not a ``DbtTaskGroup`` of one task per model: the project has ~20 small models
and each Cosmos task costs ~2.5 s of start-up, so a per-model group took ~100 s a day against
~10 s for one build (measured with ``dag.test()``); the WATCHER mode needs a triggerer and did not
finish under ``dag.test()``. dbt's own DAG order, tests and incremental logic are unchanged, and
the run's results name any failing node. Revisit when the project grows (docs/operations.md,
«dbt in the DAG», has the figures).

A failed build prints one block, ``dbt failures``, to the task log (each failed model or test with
its status and message, read from dbt's run results) and raises
:class:`gospubliki.transform.dbt.DbtFailed`, which the task's failure alert reads
(``orchestration/alerts.py``): Cosmos' own error names nodes without their type or package.

**No full parse per run.** Cosmos runs dbt in a temporary copy of the project, so without a cache
dir every run started with «Unable to do partial parsing because saved manifest not found» and
parsed the whole project (~16 s of a region day). Each task gets a ``cache_dir``
(``$AIRFLOW_HOME/cosmos/<task_id>``): Cosmos copies the newest ``partial_parse.msgpack`` (the
project's ``target/``, written by ``gospubliki dbt parse``, or the cache's) into the copy and
saves the run's back, so dbt re-parses only changed files. dbt refuses a saved manifest made with
other ``--profile``/``--target``/``--vars``: the profile and target here are the ones
:func:`gospubliki.transform.dbt.run_dbt` passes too, and a task with its own vars (the weekly
history tests) has its own cache dir. (``LoadMode.DBT_MANIFEST`` is about rendering a
``DbtTaskGroup`` from a manifest; one build task renders nothing.)

**Daily tests, weekly tests.** The daily build excludes the tests tagged ``weekly`` (views over
the whole raw history) and dbt's unit tests (``DAILY_EXCLUDE``), and tests each mart's latest
build only (``where: __latest_build__``,
``macros/get_where_subquery.sql``); :func:`dbt_history_tests_task` runs every data test over
the whole history (docs/operations.md «Data tests: daily and weekly»).
"""

from __future__ import annotations

import functools
from pathlib import Path

from gospubliki import settings
from gospubliki.hooks.warehouse import WAREHOUSE_CONN_ID
from gospubliki.transform.dbt import DAILY_EXCLUDE, PROFILE, project_dir, target_name


def profile_config():
    from cosmos import ProfileConfig
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    return ProfileConfig(
        profile_name=PROFILE,
        target_name=target_name(),
        profile_mapping=PostgresUserPasswordProfileMapping(
            conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": "public", "threads": 2}
        ),
    )


def failures_block(failures: list[tuple[str, str, str]]) -> str:
    """The ``dbt failures`` block of the task log: one line per failed node, then its message."""
    lines = [f"===== dbt failures: {len(failures)} =====" if failures else "===== dbt failed (no failed node) ====="]
    for node, status, message in failures:
        lines.append(f"{status.upper():5} {node}")
        lines.extend(f"      {line}" for line in (message or "(no message)").splitlines()[:20])
    lines.append("=" * 30)
    return "\n".join(lines)


@functools.cache
def _operator_class():
    from cosmos.operators.local import DbtBuildLocalOperator

    class DbtBuildOperator(DbtBuildLocalOperator):
        """Cosmos' ``dbt build`` whose failure is a readable block and a :class:`DbtFailed`."""

        def handle_exception_dbt_runner(self, result) -> None:
            if result.success:
                return
            from gospubliki.transform.dbt import DbtFailed, _failures

            failures = _failures(result.result)
            self.log.error("%s", failures_block(failures))
            raise DbtFailed(["build"], failures, result.exception)

    return DbtBuildOperator


def cache_dir(task_id: str) -> Path:
    """Where a dbt task keeps its partial-parse state between runs: in the Airflow home, one per
    Airflow installation — dbt refuses a state saved with another profile (another warehouse),
    so two installations sharing one folder would make each other parse the whole project."""
    import os

    return Path(os.environ.get("AIRFLOW_HOME") or settings.home() / "airflow") / "cosmos" / task_id


def _local_args(task_id: str) -> dict:
    from cosmos.constants import InvocationMode

    return dict(
        task_id=task_id,
        project_dir=str(project_dir()),
        profile_config=profile_config(),
        invocation_mode=InvocationMode.DBT_RUNNER,
        install_deps=False,
        emit_datasets=False,
        cache_dir=cache_dir(task_id),
    )


def dbt_build_task(task_id: str = "dbt_build", **kwargs):
    """A Cosmos task running the daily ``dbt build`` (without the weekly tests and the unit tests)
    on the warehouse connection."""
    kwargs.setdefault("exclude", list(DAILY_EXCLUDE))
    return _operator_class()(**_local_args(task_id), **kwargs)


def dbt_history_tests_task(task_id: str = "dbt_test_history", **kwargs):
    """A Cosmos task running every data test over the whole history (the weekly run)."""
    from cosmos.operators.local import DbtTestLocalOperator

    return DbtTestLocalOperator(**_local_args(task_id), vars={"data_tests_scope": "history"}, **kwargs)


def source_freshness_task(task_id: str = "dbt_source_freshness", **kwargs):
    """``dbt source freshness`` of the raw loads (warn after 36 h, error after 72 h without a
    validated load; ``_raw__sources.yml``): a stale source fails the task (no retry: only a new
    load makes it fresh) and its failure alert names the source and its age."""
    from airflow.sdk import task

    @task(task_id=task_id, **kwargs)
    def dbt_source_freshness() -> int:
        import logging

        from airflow.sdk.exceptions import AirflowFailException

        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.transform.dbt import DbtFailed, source_freshness

        # a target dir kept between runs (not a temporary one): dbt's partial parse of the previous
        # run is reused, so the task does not parse the whole project every day
        target = cache_dir(task_id)
        target.mkdir(parents=True, exist_ok=True)
        try:
            result = source_freshness(warehouse_url(), target_path=target, log_path=target)
        except DbtFailed as exc:
            logging.getLogger(__name__).error("%s", failures_block(exc.failures))
            raise AirflowFailException(str(exc)) from exc
        return len(result.result.results)

    return dbt_source_freshness()
