"""
### gospubliki_weekly_reports — the weekly rating tables of every region

Scheduled on the Asset `gospubliki://marts/municipality_rating/week`: it runs as soon as a
`gospubliki_daily` run of a **Sunday** has rebuilt the marts (that run's `rating_week_complete`
task records the event), and writes the rating table of that ISO week (default methodology) for
every region as XLSX, CSV, HTML and PNG under `GOSPUBLIKI_HOME/reports/rating/<period>/`. A re-run
or backfill of a Sunday exports its week again. No clock fallback (e.g. Monday 06:00): a week
whose Sunday failed would be exported incomplete and then again after the re-run; the export
follows the data instead (docs/operations.md, «Assets»).
Trigger it with `{"snapshot_date": "2026-11-22"}` to (re)export the week containing that date.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, get_current_context, task

from gospubliki.orchestration.assets import rating_week_asset
from gospubliki.orchestration.defaults import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="gospubliki_weekly_reports",
    schedule=[rating_week_asset()],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["gospubliki", "rating", "reports"],
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
        from gospubliki.dates import resolve_snapshot_date
        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.reports.rating import weekly_export

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
        day = resolve_snapshot_date(conf=conf, logical_date=ctx.get("logical_date"), run_after=dag_run.run_after)
        files = weekly_export(day, url=warehouse_url())
        return [str(f) for f in files]

    export_ratings()


gospubliki_weekly_reports()
