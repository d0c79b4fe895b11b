"""The dbt part of the DAGs: a Cosmos DbtTaskGroup rendered from the pre-built manifest.

``LoadMode.DBT_MANIFEST`` parses ``dbt_project/target/manifest.json`` (built by ``gospubliki dbt
parse``, run by ``make``/the compose init) and runs no dbt command while the DAG file is parsed.
The profile comes from the Airflow connection ``gospubliki_warehouse``; no credentials are written
to profiles.yml.
"""

from __future__ import annotations

from gospubliki.hooks.warehouse import WAREHOUSE_CONN_ID
from gospubliki.transform.dbt import project_dir


def dbt_task_group(group_id: str = "dbt", **kwargs):
    from cosmos import DbtTaskGroup, ExecutionConfig, LoadMode, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import InvocationMode, TestBehavior
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    dbt_project_dir = project_dir()
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=dbt_project_dir,
            manifest_path=dbt_project_dir / "target" / "manifest.json",
        ),
        profile_config=ProfileConfig(
            profile_name="gospubliki",
            target_name="airflow",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": "public", "threads": 2}
            ),
        ),
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.AFTER_ALL),
        operator_args={"install_deps": False},
        **kwargs,
    )
