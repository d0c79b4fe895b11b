"""Every DAG file imports cleanly and follows the project's rules (Airflow 3 DagBag)."""

import os
from datetime import timedelta
from pathlib import Path

DAG_ID = "gospubliki_daily"


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == {DAG_ID, "gospubliki_weekly_reports", "gospubliki_tg_resolve"}


def test_telegram_usernames_are_resolved_hourly_in_the_telegram_pool(dagbag):
    dag = dagbag.dags["gospubliki_tg_resolve"]
    assert (dag.timetable.expression, dag.catchup, dag.max_active_runs) == ("20 * * * *", False, 1)
    assert str(getattr(dag.timetable.timezone, "name", dag.timetable.timezone)) == "Europe/Moscow"
    assert [(t.task_id, t.pool) for t in dag.tasks] == [("resolve_usernames", "telegram_api")]


def test_the_daily_dag_records_an_asset_per_mart_and_the_week_of_the_rating(dagbag):
    """`marts_rebuilt` (after dbt_build) declares one Asset per mart model of the dbt project;
    `rating_week_complete` the rating-week Asset; both before the run's gate."""
    from gospubliki.transform.dbt import project_dir

    dag = dagbag.dags[DAG_ID]
    marts = dag.get_task("marts_rebuilt")
    models = sorted(p.stem for p in (project_dir() / "models" / "marts").rglob("*.sql"))
    assert {"national_summary", "municipality_rating", "fct_page_daily"} <= set(models)
    assert [a.uri for a in marts.outlets] == [f"gospubliki://marts/{m}" for m in models]
    assert [a.name for a in marts.outlets] == [f"marts.{m}" for m in models]
    assert marts.upstream_task_ids == {"dbt_build", "snapshot_date"}
    week = dag.get_task("rating_week_complete")
    assert [a.uri for a in week.outlets] == ["gospubliki://marts/municipality_rating/week"]
    assert week.upstream_task_ids == {"marts_rebuilt", "snapshot_date"}
    assert "marts_rebuilt" in dag.get_task("all_networks_validated").upstream_task_ids
    # no other task claims an Asset (dbt's Cosmos task emits none of its own)
    assert {t.task_id for t in dag.tasks if t.outlets} == {"marts_rebuilt", "rating_week_complete"}


def test_weekly_reports_are_scheduled_on_the_rating_week_asset(dagbag):
    from airflow.sdk import Asset

    dag = dagbag.dags["gospubliki_weekly_reports"]
    assert type(dag.timetable).__name__ == "AssetTriggeredTimetable"
    assert list(dag.timetable.asset_condition.objects) == [Asset(
        uri="gospubliki://marts/municipality_rating/week", name="marts.municipality_rating.week", group="marts"
    )]
    assert sorted(dag.task_ids) == ["dbt_test_history", "export_ratings", "export_region_reports"]


def test_dbt_tasks_keep_their_parse_and_split_daily_and_weekly_tests(dagbag):
    """No full dbt parse per run (a cache dir per task, the profile and target of `gospubliki
    dbt parse`); the daily build leaves the weekly tests and dbt's unit tests out, the weekly run
    tests all history."""
    from gospubliki.transform.dbt import target_name

    daily = dagbag.dags[DAG_ID].get_task("dbt_build")
    weekly = dagbag.dags["gospubliki_weekly_reports"].get_task("dbt_test_history")
    for task in (daily, weekly):
        # one per Airflow installation (AIRFLOW_HOME): dbt refuses a state saved with another profile
        assert task.cache_dir == Path(os.environ["AIRFLOW_HOME"]) / "cosmos" / task.task_id
        assert (task.profile_config.profile_name, task.profile_config.target_name) == ("gospubliki", target_name())
    assert daily.exclude == ["tag:weekly", "resource_type:unit_test"]
    assert weekly.task_type == "DbtTestLocalOperator"
    assert weekly.vars == {"data_tests_scope": "history"} and not weekly.exclude


def test_only_a_sunday_completes_a_rating_week():
    from datetime import date

    from gospubliki.orchestration.assets import completes_a_week, iso_week

    assert [completes_a_week(date(2026, 11, d)) for d in range(16, 24)] == [False] * 6 + [True, False]
    assert iso_week(date(2026, 11, 22)) == "2026-W47" and iso_week(date(2026, 11, 23)) == "2026-W48"


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
    from cosmos.operators.local import DbtBuildLocalOperator

    assert isinstance(dbt, DbtBuildLocalOperator)
    assert dbt.upstream_task_ids == {"validate_vk", "validate_ok", "validate_tg"}
    assert dbt.trigger_rule == "all_done_min_one_success"
    # the gate fails the run when any network did not validate, after the others' marts were built
    gate = dag.get_task("all_networks_validated")
    assert gate.upstream_task_ids == {"validate_vk", "validate_ok", "validate_tg", "dbt_build", "marts_rebuilt"}
    assert gate.trigger_rule == "all_success"
    # the week's Asset is a leaf of its own: skipped on weekdays, it must not skip the gate
    assert {t.task_id for t in dag.leaves} == {"all_networks_validated", "rating_week_complete",
                                                     "dbt_source_freshness", "data_alerts_digest", "retention"}


def test_every_task_alerts_on_failure_and_retry_and_the_daily_run_has_a_deadline(dagbag):
    from gospubliki.orchestration.alerts import PipelineAlert

    for dag in dagbag.dags.values():
        for t in dag.tasks:
            assert [c.kind for c in t.on_failure_callback if isinstance(c, PipelineAlert)] == ["failure"], t.task_id
            assert [c.kind for c in t.on_retry_callback if isinstance(c, PipelineAlert)] == ["retry"], t.task_id
    (deadline,) = dagbag.dags[DAG_ID].deadline
    assert deadline.interval == timedelta(hours=6)  # 03:00 start → 09:00 Moscow (GOSPUBLIKI_DAILY_DEADLINE)
    assert deadline.callback.path == "gospubliki.orchestration.alerts.deadline_missed"
    assert dagbag.dags[DAG_ID].get_task("dbt_source_freshness").trigger_rule == "all_done"
    assert dagbag.dags[DAG_ID].get_task("data_alerts_digest").upstream_task_ids == {"dbt_build", "snapshot_date"}
    retention = dagbag.dags[DAG_ID].get_task("retention")
    assert retention.upstream_task_ids == {"dbt_build"} and retention.trigger_rule == "all_done"
