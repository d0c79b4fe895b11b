"""
### gospubliki_daily — the daily collection of госпаблики metrics

Runs at 03:00 Europe/Moscow for the **previous day** (the snapshot date):

1. `snapshot_date` — derived explicitly (Airflow 3 cron runs have a zero-length data interval and
   manual runs may have no logical date): `conf.snapshot_date` if given, else the day before the
   run's logical date / `run_after`, in Moscow time;
2. `extract_vk` — page attributes (`groups.getById`, 500 per call) and the last 7 days of posts
   (`wall.get`, 25 per `execute`) for every VK page of the registry, landed as one raw load
   (PostgreSQL `COPY`, status *loaded*); pool `vk_api`;
3. `validate_vk` — the Great Expectations checkpoint of that load; on success the load becomes the
   visible one for its date (an older load of the same date is superseded atomically), on failure it
   is rejected and **the run fails here: dbt does not start and the marts stay as they were**;
4. `dbt_build` — Cosmos runs `dbt build`: staging → intermediate → marts (incremental
   `fct_page_daily`, summaries, the municipality rating) with their tests.

Re-run any day with *Trigger DAG w/ config* `{"snapshot_date": "2026-11-20"}`.
"""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task
from gospubliki.orchestration.dbt import dbt_build_task
from gospubliki.orchestration.defaults import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="gospubliki_daily",
    schedule=CronTriggerTimetable("0 3 * * *", timezone="Europe/Moscow"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["gospubliki", "vk", "dbt"],
    params={
        "snapshot_date": Param(
            None, type=["null", "string"], format="date",
            description="Day to collect (YYYY-MM-DD); empty = the day before the run.",
        )
    },
    doc_md=__doc__,
)
def gospubliki_daily():
    @task
    def snapshot_date() -> str:
        """The day this run is for (ISO date)."""
        from gospubliki.dates import resolve_snapshot_date

        ctx = get_current_context()
        dag_run = ctx["dag_run"]
        conf = dict(dag_run.conf or {})
        if not conf.get("snapshot_date") and ctx["params"].get("snapshot_date"):
            conf["snapshot_date"] = ctx["params"]["snapshot_date"]
        day = resolve_snapshot_date(conf=conf, logical_date=ctx.get("logical_date"), run_after=dag_run.run_after)
        return day.isoformat()

    @task(pool="vk_api")
    def extract_vk(day: str) -> int:
        """Extract VK pages and posts and land them as a raw load; returns the load id."""
        from gospubliki.dates import parse_date
        from gospubliki.extract.vk import run_vk_extraction
        from gospubliki.hooks.vk import VkHook
        from gospubliki.hooks.warehouse import warehouse_url

        snapshot = parse_date(day)
        result = run_vk_extraction(snapshot, url=warehouse_url(), client=VkHook().get_client(snapshot))
        return result.load_id

    @task
    def validate_vk(load_id: int) -> dict:
        """Great Expectations on the load; publish it or fail the run (fail closed)."""
        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.quality import check_and_publish

        from airflow.sdk.exceptions import AirflowFailException

        from gospubliki.quality import ValidationFailed

        try:
            outcome = check_and_publish(load_id, url=warehouse_url())
        except ValidationFailed as exc:  # the load is already rejected: a retry cannot help
            raise AirflowFailException(str(exc)) from exc
        return outcome.to_dict()

    validated = validate_vk(extract_vk(snapshot_date()))
    validated >> dbt_build_task()


gospubliki_daily()
