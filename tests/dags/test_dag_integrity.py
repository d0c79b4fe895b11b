"""Every DAG file imports cleanly and follows the project's rules (Airflow 3 DagBag)."""

from datetime import timedelta

DAG_ID = "gospubliki_daily"


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {DAG_ID, "gospubliki_weekly_reports"}


def test_weekly_reports_run_on_monday_morning_after_the_daily_run(dagbag):
    dag = dagbag.dags["gospubliki_weekly_reports"]
    assert dag.timetable.expression == "0 6 * * 1"
    assert str(getattr(dag.timetable.timezone, "name", dag.timetable.timezone)) == "Europe/Moscow"
    assert dag.task_ids == ["export_ratings"]


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


def test_each_network_is_extracted_in_its_pool_then_validated(dagbag):
    dag = dagbag.dags[DAG_ID]
    for network, pool in (("vk", "vk_api"), ("ok", "ok_api"), ("tg", "telegram_api")):
        extract = dag.get_task(f"extract_{network}")
        assert extract.pool == pool
        assert extract.upstream_task_ids == {"snapshot_date"}
        assert dag.get_task(f"validate_{network}").upstream_task_ids == {f"extract_{network}"}


def test_dbt_waits_for_every_network_and_needs_one_validated_load(dagbag):
    dag = dagbag.dags[DAG_ID]
    dbt = dag.get_task("dbt_build")
    assert dbt.task_type == "DbtBuildLocalOperator"
    assert dbt.upstream_task_ids == {"validate_vk", "validate_ok", "validate_tg"}
    assert dbt.trigger_rule == "all_done_min_one_success"
    # the gate fails the run when any network did not validate, after the others' marts were built
    gate = dag.get_task("all_networks_validated")
    assert gate.upstream_task_ids == {"validate_vk", "validate_ok", "validate_tg", "dbt_build"}
    assert gate.trigger_rule == "all_success"
    retention = dag.get_task("retention")
    assert retention.upstream_task_ids == {"dbt_build"} and retention.trigger_rule == "all_done"
    assert sorted(t.task_id for t in dag.leaves) == ["all_networks_validated", "retention"]
