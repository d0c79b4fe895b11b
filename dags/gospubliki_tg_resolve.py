"""
### gospubliki_tg_resolve — new Telegram usernames resolved a few at a time, every hour

Resolving a channel's username is the Telegram request that brings flood waits of many hours when
sent in bursts; a daily load needs none for channels some account resolved before. This DAG works
through the registry's new usernames (the whole registry on the first national day: about
11 000) at most `GOSPUBLIKI_TG_RESOLVE_BUDGET` (30) per account and run and
`GOSPUBLIKI_TG_RESOLVE_DAILY_BUDGET` (200) per account and Moscow day, committing each result as
it comes; channels still pending appear in the daily load as `unresolved` (reported, not failed).
With N accounts the first week needs N ≥ usernames / (7 × 200): `gospubliki telegram plan`
computes it (docs/operations.md, «Telegram: the first week»).

It uses the `telegram_api` pool and each account's advisory lock, so it never shares a session
with the daily load: while `gospubliki_daily` reads Telegram, a run here finds the accounts busy
and does nothing.
"""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, dag, task

from gospubliki.orchestration.defaults import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="gospubliki_tg_resolve",
    schedule=CronTriggerTimetable("20 * * * *", timezone="Europe/Moscow"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["gospubliki", "telegram"],
    doc_md=__doc__,
)
def gospubliki_tg_resolve():
    @task(pool="telegram_api")
    def resolve_usernames() -> dict:
        """One run of the resolve job with the accounts of the telegram_default connection."""
        from gospubliki.extract.telegram_resolve import run_tg_resolve
        from gospubliki.hooks.telegram import TelegramHook
        from gospubliki.hooks.warehouse import warehouse_url

        hook = TelegramHook()
        settings = hook.get_settings()
        run = run_tg_resolve(url=warehouse_url(), settings=settings, client_factory=hook.get_client_factory(settings))
        return {
            "resolved": sum(run.resolved.values()),
            "not_found": sum(run.not_found.values()),
            "pending": run.pending_after,
            "stopped": run.stopped,
        }

    resolve_usernames()


gospubliki_tg_resolve()
