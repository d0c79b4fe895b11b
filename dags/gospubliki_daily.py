"""
### gospubliki_daily — the daily collection of госпаблики metrics (VK, OK, Telegram)

Runs at 03:00 Europe/Moscow for the **previous day** (the snapshot date):

1. `snapshot_date` — derived explicitly (Airflow 3 cron runs have a zero-length data interval and
   manual runs may have no logical date): `conf.snapshot_date` if given, else the day before the
   run's logical date / `run_after`, in Moscow time;
2. per network, **in parallel** (`extract_vk`, `extract_ok`, `extract_tg`, each in its API pool):
   page attributes and the last 7 days of posts of every registry page of that network, landed as
   one raw load (PostgreSQL `COPY`, status *loaded*);
3. `validate_<network>` — the Great Expectations checkpoint of that load: on success the load
   becomes the visible one for its date (an older load of the same date is superseded
   atomically); on failure it is rejected and never reaches the marts. When the validation
   itself cannot run (GX error, warehouse down) the task retries; its last try rejects the load,
   and a load left 'loaded' by a killed task is failed when the network's next run starts — no
   load stays 'loaded' (docs/operations.md, «Load life cycle»);
4. `dbt_build` — Cosmos runs `dbt build` (staging → intermediate → marts, with tests) as soon as
   every network is done, if **at least one** network validated: one network's trouble (a
   Telegram flood wait, a corrupted VK load) does not hold back the others' marts for the day;
5. `marts_rebuilt` — records an Airflow **Asset** event per mart (`gospubliki://marts/<model>`,
   extra `{"snapshot_date": …}`) once dbt built them; `rating_week_complete` records
   `gospubliki://marts/municipality_rating/week` when the day is a Sunday (the ISO week is whole):
   `gospubliki_weekly_reports` is scheduled on that Asset (skipped on other days);
6. `all_networks_validated` — fails the run (state *failed*, alerting) when any network did not
   validate, after the others' marts were built;
7. `dbt_source_freshness` — no validated load for 72 h fails it; `data_alerts_digest` — the
   morning digest of `marts.page_alerts_daily` (silent pages, lost badges, subscriber drops,
   closed and new pages) through the alert channels;
8. `retention` — once the marts are built, whatever the networks did: API payloads older than
   `GOSPUBLIKI_PAYLOAD_RETENTION_DAYS` (35) are dropped, the raw rows of long-failed loads
   deleted, raw months that ended more than `GOSPUBLIKI_RAW_RETENTION_DAYS` (92) ago archived
   out of the warehouse (docs/operations.md, «Storage and retention»).

Every task alerts on failure and retry (e-mail, Telegram; `orchestration/alerts.py`), and a run
not finished by `GOSPUBLIKI_DAILY_DEADLINE` (09:00 Moscow) raises a deadline alert.

Re-run any day with *Trigger DAG w/ config* `{"snapshot_date": "2026-11-20"}`: its loads are
replaced, the marts rebuilt for that date. A future date is refused; a date more than
`GOSPUBLIKI_SNAPSHOT_HORIZON_DAYS` (2) back is refused by each live network (the APIs return
today's state) unless `{"force_past": true}` — see docs/operations.md, «Backfills».
"""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import CronTriggerTimetable, Param, TriggerRule, dag, get_current_context, task

from gospubliki.orchestration.alerts import daily_deadline
from gospubliki.orchestration.assets import mart_assets, rating_week_asset
from gospubliki.orchestration.dbt import dbt_build_task, source_freshness_task
from gospubliki.orchestration.defaults import DEFAULT_ARGS, START_DATE
from gospubliki.orchestration.digest import digest_task
from gospubliki.orchestration.networks import NETWORKS


@dag(
    dag_id="gospubliki_daily",
    schedule=CronTriggerTimetable("0 3 * * *", timezone="Europe/Moscow"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    deadline=daily_deadline(),
    tags=["gospubliki", "vk", "ok", "telegram", "dbt"],
    params={
        "snapshot_date": Param(
            None, type=["null", "string"], format="date",
            description="Day to collect (YYYY-MM-DD); empty = the day before the run.",
        ),
        "force_past": Param(
            False, type="boolean",
            description="Collect a day beyond the live horizon anyway (stores today's state under it).",
        ),
    },
    doc_md=__doc__,
)
def gospubliki_daily():
    @task
    def snapshot_date() -> str:
        """The day this run is for (ISO date)."""
        from airflow.sdk.exceptions import AirflowFailException

        from gospubliki.dates import check_snapshot_date, resolve_snapshot_date
        from gospubliki.errors import UserError

        ctx = get_current_context()
        dag_run = ctx["dag_run"]
        conf = dict(dag_run.conf or {})
        if not conf.get("snapshot_date") and ctx["params"].get("snapshot_date"):
            conf["snapshot_date"] = ctx["params"]["snapshot_date"]
        try:
            day = resolve_snapshot_date(conf=conf, logical_date=ctx.get("logical_date"), run_after=dag_run.run_after)
            check_snapshot_date(day, live=False)  # the future, for every network; the horizon: per network
        except UserError as exc:  # a bad or future date: no retry can make it right
            raise AirflowFailException(str(exc)) from exc
        return day.isoformat()

    @task
    def extract(network: str, day: str) -> int:
        """Extract one network and land its raw load; returns the load id."""
        from airflow.sdk.exceptions import AirflowFailException

        from gospubliki.dates import SnapshotDateRefused, parse_date
        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.orchestration.networks import extract as extract_network

        ctx = get_current_context()
        force_past = bool(ctx["params"].get("force_past") or (ctx["dag_run"].conf or {}).get("force_past")) or None
        try:
            return extract_network(network, parse_date(day), warehouse_url(), force_past=force_past)
        except SnapshotDateRefused as exc:
            raise AirflowFailException(str(exc)) from exc

    @task
    def validate(load_id: int) -> dict:
        """Great Expectations on the load; publish it, or reject it and fail (no retry: fail closed)."""
        from airflow.sdk.exceptions import AirflowFailException

        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.orchestration.networks import reject_on_last_try
        from gospubliki.quality import ValidationFailed, check_and_publish

        try:
            outcome = check_and_publish(load_id, url=warehouse_url())
        except ValidationFailed as exc:  # the load is already rejected: a retry cannot help
            raise AirflowFailException(str(exc)) from exc
        except Exception as exc:  # GX crashed, the warehouse went away …: a retry may validate it
            ti = get_current_context()["ti"]
            reject_on_last_try(load_id, exc, try_number=ti.try_number, max_tries=ti.max_tries, url=warehouse_url())
            raise
        return outcome.to_dict()

    @task(outlets=mart_assets())
    def marts_rebuilt(day: str) -> list[str]:
        """One Asset event per mart dbt rebuilt, with the snapshot date it now holds."""
        ctx = get_current_context()
        for asset in ctx["task"].outlets:
            ctx["outlet_events"][asset].extra = {"snapshot_date": day}
        return [asset.uri for asset in ctx["task"].outlets]

    @task(outlets=[rating_week_asset()])
    def rating_week_complete(day: str) -> str:
        """On a Sunday the rating mart holds the whole ISO week: the Asset event the weekly reports
        DAG is scheduled on. Other days: skipped (a skipped task records no Asset event)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from gospubliki.dates import parse_date
        from gospubliki.orchestration.assets import completes_a_week, iso_week

        snapshot = parse_date(day)
        if not completes_a_week(snapshot):
            raise AirflowSkipException(f"{day} is not a Sunday: the week {iso_week(snapshot)} is not complete yet")
        ctx = get_current_context()
        (asset,) = ctx["task"].outlets
        ctx["outlet_events"][asset].extra = {"snapshot_date": day, "period": iso_week(snapshot)}
        return iso_week(snapshot)

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def retention() -> dict:
        """API payloads past their retention dropped, raw rows of long-failed loads deleted, raw months archived."""
        from gospubliki.hooks.warehouse import warehouse_url
        from gospubliki.warehouse import loads

        return loads.apply_retention(warehouse_url())

    day = snapshot_date()
    validations = []
    for network, (_label, pool) in NETWORKS.items():
        load_id = extract.override(task_id=f"extract_{network}", pool=pool)(network, day)
        validations.append(validate.override(task_id=f"validate_{network}")(load_id))
    dbt_build = dbt_build_task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS)
    marts = marts_rebuilt(day)
    gate = EmptyOperator(task_id="all_networks_validated")
    validations >> dbt_build >> marts >> rating_week_complete(day)
    [*validations, dbt_build, marts] >> gate
    dbt_build >> source_freshness_task(trigger_rule=TriggerRule.ALL_DONE)
    dbt_build >> digest_task(day)
    dbt_build >> retention()


gospubliki_daily()
