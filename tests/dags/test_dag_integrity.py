"""Every DAG file imports cleanly and follows the project's rules (Airflow 3 DagBag)."""

from datetime import timedelta

DAG_ID = "gospubliki_daily"


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert DAG_ID in dagbag.dags


def test_daily_schedule_is_0300_moscow_without_catchup(dagbag):
    dag = dagbag.dags[DAG_ID]
    timetable = dag.timetable
    assert timetable.expression == "0 3 * * *"
    assert str(getattr(timetable.timezone, "name", timetable.timezone)) == "Europe/Moscow"
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def test_every_dag_has_owner_tags_and_retries(dagbag):
    for dag in dagbag.dags.values():
        assert dag.tags, dag.dag_id
        for t in dag.tasks:
            assert t.owner == "gospubliki-data", t.task_id
            assert t.retries >= 1, t.task_id
            assert t.retry_delay >= timedelta(minutes=1), t.task_id


def test_pipeline_order_extract_validate_then_dbt(dagbag):
    dag = dagbag.dags[DAG_ID]
    ids = set(dag.task_ids)
    assert {"snapshot_date", "extract_vk", "validate_vk"} <= ids
    assert dag.get_task("extract_vk").pool == "vk_api"
    dbt_tasks = [t for t in dag.tasks if t.task_id.startswith("dbt")]
    assert [t.task_type for t in dbt_tasks] == ["DbtBuildLocalOperator"]
    # every dbt task is downstream of the validation: a failed validation never reaches the marts
    validate = dag.get_task("validate_vk")
    downstream = validate.get_flat_relative_ids(upstream=False)
    assert {t.task_id for t in dbt_tasks} <= downstream
