"""Telegram: the resolve job — new usernames become ``(channel id, access hash)`` per account,
spread over the accounts and the days, within the budget a real account can bear.

Resolving a username (``contacts.ResolveUsername``) is the request Telegram punishes: bursts of a
few dozen bring flood waits of hours (docs/operations.md, «Telegram: the first week»). A daily
extraction needs none for a channel some account has resolved before (``raw.tg_channel_cache``),
so the first national day — about 11 000 new usernames — is the problem, not the days after.

This job (``gospubliki telegram resolve``; the ``gospubliki_tg_resolve`` DAG runs it every hour):

* takes the registry's Telegram usernames that no configured account has resolved and that are
  not known to be unreadable (negative cache, retried after a week);
* gives each account at most ``per_run`` of them, and no more than what is left of its
  ``per_day`` budget for the Moscow day (``raw.tg_resolve_budget`` counts every resolve sent, by
  this job or by a daily extraction); accounts with fewer cached channels take more, so the
  daily reading is spread evenly too (a channel is read by an account that resolved it);
* sends them one at a time per account, ``resolve_interval`` seconds apart, and **commits each
  result as it comes** (the cache row and the budget count in one transaction): a run killed at
  any point loses at most the resolve in flight, and the next run picks up the usernames still
  pending without repeating one;
* stops an account at its first flood wait (recorded in ``raw.tg_flood_waits``: neither this job
  nor the extraction sends it that request again while it holds) or dead session.

The daily load reports channels still pending as ``fetch_status = 'unresolved'``; they do not
count against its ok-share (``quality/suites.py``), so the first week's loads validate.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import psycopg2

from gospubliki import crashpoints, dates
from gospubliki import settings as gs
from gospubliki.clients.errors import NoCredentialsLeft, RetryableError
from gospubliki.clients.telegram import settings as tg_settings
from gospubliki.clients.telegram.port import RESOLVE, AccountUnusable, ChannelSkipped, FloodWait
from gospubliki.clients.telegram.settings import TelegramSettings
from gospubliki.clients.telegram.telethon_adapter import ClientFactory, telethon_factory
from gospubliki.extract import telegram_state as state
from gospubliki.warehouse import db

log = logging.getLogger(__name__)

#: resolves per account and Moscow day when ``GOSPUBLIKI_TG_RESOLVE_DAILY_BUDGET`` is unset: at one
#: per 2 s that is under 7 minutes of resolving a day, in hourly bursts of at most 30 (the per-run
#: budget) — the pace reported to stay clear of long flood waits
DEFAULT_DAILY_BUDGET = 200


@dataclass
class ResolveRun:
    """What one run of the resolve job did (for logs, the CLI and the tests)."""

    day: date
    pending_before: int = 0
    pending_after: int = 0
    resolved: Counter = field(default_factory=Counter)  # by account
    not_found: Counter = field(default_factory=Counter)  # by account: negative cache rows written
    failed: Counter = field(default_factory=Counter)  # by account: retries exhausted, still pending
    budget_left: dict[str, int] = field(default_factory=dict)  # per account, after the run
    stopped: dict[str, str] = field(default_factory=dict)  # account -> why it sent no more

    @property
    def sent(self) -> int:
        return sum(self.resolved.values()) + sum(self.not_found.values()) + sum(self.failed.values())

    def summary(self) -> str:
        return (
            f"tg resolve {self.day}: {sum(self.resolved.values())} resolved, "
            f"{sum(self.not_found.values())} not found, {sum(self.failed.values())} failed; "
            f"pending {self.pending_before} -> {self.pending_after}; budget left "
            + ", ".join(f"{a} {n}" for a, n in sorted(self.budget_left.items()))
            + ("; stopped: " + "; ".join(f"{a}: {w}" for a, w in self.stopped.items()) if self.stopped else "")
        )


def daily_budget() -> int:
    return int(gs.env("GOSPUBLIKI_TG_RESOLVE_DAILY_BUDGET", str(DEFAULT_DAILY_BUDGET)))


def pending_usernames(url: str | None, accounts: Sequence[str]) -> list[str]:
    """Registry usernames no account of ``accounts`` has resolved, minus fresh negative entries."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """select p.page_ref from registry.pages p
               where p.network = 'tg'
                 and not exists (select 1 from raw.tg_channel_cache c
                                 where c.username = p.page_ref and c.account = any(%s)
                                   and (c.status = 'ok'
                                        or c.resolved_at > now() - make_interval(days => %s)))
               group by p.page_ref order by p.page_ref""",
            (list(accounts), state.NEGATIVE_DAYS),
        )
        return [r[0] for r in cur.fetchall()]


def budget_left(url: str | None, accounts: Sequence[str], day: date, per_day: int) -> dict[str, int]:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select account, resolves from raw.tg_resolve_budget where day = %s and account = any(%s)",
            (day, list(accounts)),
        )
        used = dict(cur.fetchall())
    return {a: max(0, per_day - used.get(a, 0)) for a in accounts}


def cached_channels(url: str | None, accounts: Sequence[str]) -> Counter:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select account, count(*) from raw.tg_channel_cache where status = 'ok' and account = any(%s)"
            " group by 1",
            (list(accounts),),
        )
        return Counter(dict(cur.fetchall()))


def assign(
    usernames: Sequence[str], quota: dict[str, int], cached: Counter
) -> dict[str, list[str]]:
    """Usernames per account: each goes to the account with the fewest channels (cached + given
    so far) that still has quota, ties by name — the accounts end up reading similar numbers."""
    load = Counter({a: cached.get(a, 0) for a in quota})
    left = dict(quota)
    plan: dict[str, list[str]] = {a: [] for a in quota}
    for username in usernames:
        open_ = [a for a in sorted(left) if left[a] > 0]
        if not open_:
            break
        chosen = min(open_, key=lambda a: (load[a], a))
        plan[chosen].append(username)
        load[chosen] += 1
        left[chosen] -= 1
    return {a: u for a, u in plan.items() if u}


class _Recorder:
    """Commits each resolve's outcome with its budget count (one transaction per resolve)."""

    def __init__(self, url: str | None, day: date):
        self.conn = psycopg2.connect(url or gs.warehouse_url(), application_name="gospubliki-tg-resolve")
        self.day = day
        self.committed = 0

    def record(self, account: str, username: str, ref=None, negative: tuple[str, str] | None = None) -> None:
        with self.conn, self.conn.cursor() as cur:
            if ref is not None:
                cur.execute(
                    """insert into raw.tg_channel_cache (account, channel_id, access_hash, username, status)
                       values (%s, %s, %s, %s, 'ok')
                       on conflict (account, username) do update set channel_id = excluded.channel_id,
                           access_hash = excluded.access_hash, status = 'ok', error_reason = null,
                           resolved_at = now()""",
                    (account, ref.channel_id, ref.access_hash, username),
                )
            elif negative is not None:
                cur.execute(
                    """insert into raw.tg_channel_cache (account, username, status, error_reason)
                       values (%s, %s, 'not_found', %s)
                       on conflict (account, username) do update set channel_id = null,
                           access_hash = null, status = 'not_found', error_reason = excluded.error_reason,
                           resolved_at = now()""",
                    (account, username, negative[1]),
                )
            count_resolves(cur, account, self.day, 1)
        self.committed += 1
        crashpoints.reached(f"tg_resolve:{self.committed}")

    def flood(self, flood: FloodWait) -> None:
        with self.conn, self.conn.cursor() as cur:
            cur.execute(
                """insert into raw.tg_flood_waits (account, request_type, wait_seconds, until_at,
                                                   recorded_at, snapshot_date) values (%s, %s, %s, %s, %s, %s)""",
                (flood.account, flood.request_type, flood.seconds, flood.until, flood.recorded_at, self.day),
            )

    def close(self) -> None:
        self.conn.close()


def count_resolves(cur, account: str, day: date, n: int) -> None:
    """Add ``n`` resolves to ``account``'s count for ``day`` (the daily extraction calls it too)."""
    cur.execute(
        """insert into raw.tg_resolve_budget (account, day, resolves) values (%s, %s, %s)
           on conflict (account, day) do update set resolves = raw.tg_resolve_budget.resolves + excluded.resolves""",
        (account, day, n),
    )


async def _resolve_all(port, account: str, usernames: list[str], interval: float, rec: _Recorder, run: ResolveRun):
    try:
        await port.connect()
    except AccountUnusable as exc:
        run.stopped[account] = exc.message
        return
    try:
        for i, username in enumerate(usernames):
            if i and interval > 0:
                await asyncio.sleep(interval)  # pacing between two requests, not a wait for a result
            try:
                ref = await port.resolve(username)
            except ChannelSkipped as exc:
                rec.record(account, username, negative=(exc.status, exc.message))
                run.not_found[account] += 1
                continue
            except RetryableError as exc:
                log.warning("telegram %s: resolving %s failed: %s (stays pending)", account, username, exc.message)
                rec.record(account, username)
                run.failed[account] += 1
                continue
            except FloodWait as exc:
                rec.flood(exc)
                run.stopped[account] = exc.message
                return
            except AccountUnusable as exc:
                run.stopped[account] = exc.message
                return
            rec.record(account, username, ref=ref)
            run.resolved[account] += 1
    finally:
        await port.close()


def run_tg_resolve(
    *,
    url: str | None = None,
    settings: TelegramSettings | None = None,
    client_factory: ClientFactory | None = None,
    per_run: int | None = None,
    per_day: int | None = None,
    day: date | None = None,
) -> ResolveRun:
    """One run of the resolve job (see the module). ``day``: the Moscow day the budget is counted
    on (default today); the simulator also serves the world of that day.

    :raises NoCredentialsLeft: no accounts configured.
    """
    from gospubliki.extract.telegram import account_ports  # one way to build the accounts' clients

    settings = settings or tg_settings.from_env()
    if not settings.accounts:
        raise NoCredentialsLeft(
            "no Telegram accounts: set GOSPUBLIKI_TG_SESSIONS (JSON {account: StringSession}) "
            "or the telegram_default connection"
        )
    day = day or dates.today_in_moscow()
    per_run = settings.resolve_budget if per_run is None else per_run
    per_day = daily_budget() if per_day is None else per_day
    db.apply_schema(url)
    run = ResolveRun(day)
    names = settings.account_names
    with state.account_locks(url, names) as usable:
        for account in names:
            if account not in usable:
                run.stopped[account] = "in use by another run (its advisory lock is held)"
        pending = pending_usernames(url, names)
        run.pending_before = len(pending)
        left = budget_left(url, usable, day, per_day)
        blocked = state.flood_waits_in_force(url, usable)
        quota = {}
        for account in usable:
            if RESOLVE in blocked.get(account, {}):
                run.stopped[account] = f"flood wait on {RESOLVE} until {blocked[account][RESOLVE]:%Y-%m-%d %H:%M} UTC"
            else:
                quota[account] = min(per_run, left[account])
        plan = assign(pending, quota, cached_channels(url, usable))
        planned = settings.with_(accounts=tuple(a for a in settings.accounts if a.name in plan))
        ports, stopped = account_ports(planned, client_factory or telethon_factory(settings), day, list(plan))
        run.stopped.update(stopped)
        rec = _Recorder(url, day)
        started = time.monotonic()
        try:

            async def all_accounts():
                await asyncio.gather(
                    *(
                        _resolve_all(ports[a], a, plan[a], settings.resolve_interval, rec, run)
                        for a in plan
                        if a in ports
                    )
                )

            asyncio.run(all_accounts())
        finally:
            rec.close()
        run.budget_left = budget_left(url, names, day, per_day)
        run.pending_after = len(pending_usernames(url, names))
    log.info("%s (%.1f s)", run.summary(), time.monotonic() - started)
    return run


# ---------------------------------------------------------------------- planning
@dataclass(frozen=True)
class ResolvePlan:
    """How long the resolves of ``usernames`` new channels take with ``accounts`` accounts."""

    usernames: int
    accounts: int
    per_day: int
    days: int  # until every username is resolved
    accounts_for_week: int  # accounts needed to resolve them all within 7 days


def resolve_plan(usernames: int, accounts: int, per_day: int = DEFAULT_DAILY_BUDGET) -> ResolvePlan:
    """Days to resolve ``usernames`` with ``accounts`` accounts at ``per_day`` resolves each, and
    the accounts that finish within a week (docs/operations.md, «Telegram: the first week»)."""
    if usernames < 0 or accounts < 1 or per_day < 1:
        raise ValueError("usernames >= 0, accounts >= 1 and per_day >= 1 are needed")
    return ResolvePlan(
        usernames=usernames,
        accounts=accounts,
        per_day=per_day,
        days=math.ceil(usernames / (accounts * per_day)),
        accounts_for_week=max(1, math.ceil(usernames / (7 * per_day))),
    )
