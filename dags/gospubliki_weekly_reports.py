"""
### gospubliki_weekly_reports — the weekly rating tables and region reports of every region

Scheduled on the Asset `gospubliki://marts/municipality_rating/week`: it runs as soon as a
`gospubliki_daily` run of a **Sunday** has rebuilt the marts (that run's `rating_week_complete`
task records the event), for that ISO week. No clock fallback (e.g. Monday 06:00): a week whose
Sunday failed would be exported incomplete and then again after the re-run; the export follows the
data instead (docs/operations.md, «Assets»). Two independent export tasks:

- `export_ratings`: every region's rating table (default methodology) as XLSX, CSV, HTML and PNG
  under `GOSPUBLIKI_HOME/reports/rating/<period>/`;
- `export_region_reports`: every region's report like the presentation (`gospubliki report`) as a
  self-contained HTML page and a PDF (headless Chromium, `GOSPUBLIKI_CHROMIUM`) under
  `GOSPUBLIKI_HOME/reports/region/<week>/`.

A re-run or backfill of a Sunday exports its week again.
Trigger it with `{"snapshot_date": "2026-11-22"}` to (re)export the week containing that date.

`dbt_test_history` runs every dbt data test over the whole history: the daily build tests only
the rows its marts' latest build wrote and skips the tests tagged `weekly` (views over all raw
loads) — docs/operations.md, «Data tests: daily and weekly». Independent of the export.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task

from gospubliki.orchestration.assets import rating_week_asset
from gospubliki.orchestration.dbt import dbt_history_tests_task
from gospubliki.orchestration.defaults import DEFAULT_ARGS, START_DATE


def _snapshot_date():
    """The day whose week is exported: the run's conf or param, else the Sunday before the run."""
    from gospubliki.dates import resolve_snapshot_date

    ctx = get_current_context()
    dag_run = ctx["dag_run"]
    conf = dict(dag_run.conf or {})
    if not conf.get("snapshot_date") and ctx["params"].get("snapshot_date"):
        conf["snapshot_date"] = ctx["params"]["snapshot_date"]
    if not conf.get("snapshot_date"):  # an Asset-triggered run: the Sunday the daily run recorded
        events = ctx["triggering_asset_events"].get(rating_week_asset(), [])
        days = [e.extra.get("snapshot_date") for e in events if e.extra.get("snapshot_date")]
        if days:
            conf["snapshot_date"] = max(days)
    return resolve_snapshot_date(conf=conf, logical_date=ctx.get("logical_date"), run_after=dag_run.run_after)


@dag(
    dag_id="gospubliki_weekly_reports",
    schedule=[rating_week_asset()],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["gospubliki", "rating", "reports", "dbt"],
    params={
        "snapshot_date": Param(
            None, type=["null", "string"], format="date",
            description="A day of the week to export (YYYY-MM-DD); empty = the Sunday of the triggering "
            "Asset event, else the day before the run.",
        )
    },
    doc_md=__doc__,
)
def gospubliki_weekly_reports():
    @task
    def export_ratings() -> list[str]:
        """Every region's rating table of the week, in every format; returns the files written."""
        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.reports.rating import weekly_export

        return [str(f) for f in weekly_export(_snapshot_date(), url=warehouse_url())]

    @task
    def export_region_reports() -> list[str]:
        """Every region's weekly report (HTML and PDF); returns the files written."""
        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.reports.region import weekly_export

        return [str(f) for f in weekly_export(_snapshot_date(), url=warehouse_url())]

    export_ratings()
    export_region_reports()
    dbt_history_tests_task()


gospubliki_weekly_reports()
