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
"""

from __future__ import annotations

import functools

from gospubliki.hooks.warehouse import WAREHOUSE_CONN_ID
from gospubliki.transform.dbt import project_dir


def profile_config():
    from cosmos import ProfileConfig
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    return ProfileConfig(
        profile_name="gospubliki",
        target_name="airflow",
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


def dbt_build_task(task_id: str = "dbt_build", **kwargs):
    """A Cosmos task running ``dbt build`` on the warehouse connection."""
    from cosmos.constants import InvocationMode

    return _operator_class()(
        task_id=task_id,
        project_dir=str(project_dir()),
        profile_config=profile_config(),
        invocation_mode=InvocationMode.DBT_RUNNER,
        install_deps=False,
        emit_datasets=False,
        **kwargs,
    )


def source_freshness_task(task_id: str = "dbt_source_freshness", **kwargs):
    """``dbt source freshness`` of the raw loads (warn after 36 h, error after 72 h without a
    validated load; ``_raw__sources.yml``): a stale source fails the task (no retry: only a new
    load makes it fresh) and its failure alert names the source and its age."""
    from airflow.sdk import task

    @task(task_id=task_id, **kwargs)
    def dbt_source_freshness() -> int:
        import logging
        import tempfile

        from airflow.sdk.exceptions import AirflowFailException

        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.transform.dbt import DbtFailed, source_freshness

        with tempfile.TemporaryDirectory(prefix="dbt-freshness-") as tmp:
            try:
                result = source_freshness(warehouse_url(), target_path=tmp, log_path=tmp)
            except DbtFailed as exc:
                logging.getLogger(__name__).error("%s", failures_block(exc.failures))
                raise AirflowFailException(str(exc)) from exc
        return len(result.result.results)

    return dbt_source_freshness()
