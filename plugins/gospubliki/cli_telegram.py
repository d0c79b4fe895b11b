"""``gospubliki telegram``: the Telegram resolve job and its plan (docs/operations.md, «Telegram:
the first week»)."""

from __future__ import annotations

import typer

from gospubliki.terminal import make_console

console = make_console(soft_wrap=True)
telegram_app = typer.Typer(
    help="Telegram accounts' work besides the daily load: resolving new channel usernames.", no_args_is_help=True
)


@telegram_app.command("resolve")
def resolve(
    per_run: int = typer.Option(
        None, "--per-run", min=0, help="Resolves per account in this run (default GOSPUBLIKI_TG_RESOLVE_BUDGET, 30)."
    ),
    per_day: int = typer.Option(
        None,
        "--per-day",
        min=0,
        help="Resolves per account and Moscow day, this job and the daily loads together "
        "(default GOSPUBLIKI_TG_RESOLVE_DAILY_BUDGET, 200).",
    ),
) -> None:
    """Resolve registry usernames no account has resolved yet, within each account's budget.

    Safe to run at any time and to stop at any point: each result is committed as it comes, and
    the next run picks up what is still pending. Accounts and api id/hash come from GOSPUBLIKI_TG_*
    (docs/configuration.md). The gospubliki_tg_resolve DAG runs it every hour.
    """
    from gospubliki.extract.telegram_resolve import run_tg_resolve
    from gospubliki.warehouse import server

    server.start()
    run = run_tg_resolve(per_run=per_run, per_day=per_day)
    console.print(run.summary(), highlight=False)


@telegram_app.command("plan")
def plan(
    usernames: int = typer.Option(..., "--usernames", min=0, help="New channel usernames to resolve."),
    accounts: int = typer.Option(..., "--accounts", min=1, help="Telegram accounts available."),
    per_day: int = typer.Option(None, "--per-day", min=1, help="Resolves per account and day (default 200)."),
) -> None:
    """How many days resolving takes, and how many accounts finish it within a week."""
    from gospubliki.extract.telegram_resolve import daily_budget, resolve_plan

    p = resolve_plan(usernames, accounts, per_day or daily_budget())
    console.print(
        f"{p.usernames} usernames, {p.accounts} accounts × {p.per_day} resolves a day: {p.days} day(s); "
        f"within 7 days: {p.accounts_for_week} account(s)",
        highlight=False,
    )
