"""Telegram state kept in the warehouse between runs (not part of any load).

* ``raw.tg_channel_cache`` — per account, the channel id and access hash of every username it
  resolved (``status 'ok'``), and usernames that resolved to nothing readable (``'not_found'``,
  tried again after :data:`NEGATIVE_DAYS` days). Daily runs read it and resolve no cached username.
* ``raw.tg_flood_waits`` — every flood wait met; an account sends no request of that type while
  ``until_at`` is in the future, in this run and in later ones.
* Advisory locks: one per account for the length of a run, so two processes never use the same
  session at once (:func:`account_locks`).

No secret is ever stored: accounts appear by name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

import psycopg2
from psycopg2.extras import execute_values

from gospubliki import settings
from gospubliki.clients.telegram.collector import CollectResult, NegativeEntry
from gospubliki.clients.telegram.port import ChannelRef
from gospubliki.warehouse import db

NEGATIVE_DAYS = 7
LOCK_PREFIX = "gospubliki:tg-account:"


def read_cache(
    url: str | None, accounts: Sequence[str]
) -> tuple[dict[tuple[str, str], ChannelRef], dict[str, NegativeEntry]]:
    """``((account, username) -> ChannelRef`` of the accounts, fresh negative entries by username)."""
    cache: dict[tuple[str, str], ChannelRef] = {}
    negative: dict[str, NegativeEntry] = {}
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """select account, username, channel_id, access_hash, status, error_reason
               from raw.tg_channel_cache
               where account = any(%s)
                 and (status = 'ok' or resolved_at > now() - make_interval(days => %s))""",
            (list(accounts), NEGATIVE_DAYS),
        )
        for account, username, channel_id, access_hash, status, reason in cur.fetchall():
            if status == "ok":
                cache[(account, username)] = ChannelRef(channel_id, access_hash, username)
            else:
                negative[username] = NegativeEntry(status, reason, "known_not_found", account)
    return cache, negative


def flood_waits_in_force(url: str | None, accounts: Sequence[str]) -> dict[str, dict[str, datetime]]:
    """``account -> {request type: until}`` for the flood waits that still hold."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """select account, request_type, max(until_at) from raw.tg_flood_waits
               where account = any(%s) and until_at > now() group by 1, 2""",
            (list(accounts),),
        )
        out: dict[str, dict[str, datetime]] = {}
        for account, request_type, until in cur.fetchall():
            out.setdefault(account, {})[request_type] = until
    return out


def save(url: str | None, snapshot_date: date, result: CollectResult) -> None:
    """New cache rows (upsert), stale ones deleted, flood waits recorded — one transaction."""
    with db.connect(url) as conn, conn.cursor() as cur:
        rows = [(a, r.channel_id, r.access_hash, r.username, "ok", None) for a, r in result.resolved]
        rows += [(e.account, None, None, u, e.status, e.reason) for u, e in result.negative.items()]
        if rows:
            execute_values(
                cur,
                """insert into raw.tg_channel_cache
                       (account, channel_id, access_hash, username, status, error_reason) values %s
                   on conflict (account, username) do update set
                       channel_id = excluded.channel_id, access_hash = excluded.access_hash,
                       status = excluded.status, error_reason = excluded.error_reason,
                       resolved_at = now()""",
                rows,
            )
        for account, username in result.dropped:
            cur.execute(
                "delete from raw.tg_channel_cache where account = %s and username = %s", (account, username)
            )
        if result.resolves:  # the daily budget is shared with the resolve job (telegram_resolve.py)
            from gospubliki.dates import today_in_moscow
            from gospubliki.extract.telegram_resolve import count_resolves

            for account, n in result.resolves.items():
                count_resolves(cur, account, today_in_moscow(), n)
        if result.flood_waits:
            execute_values(
                cur,
                """insert into raw.tg_flood_waits (account, request_type, wait_seconds, until_at,
                                                   recorded_at, snapshot_date) values %s""",
                [
                    (f.account, f.request_type, f.seconds, f.until, f.recorded_at, snapshot_date)
                    for f in result.flood_waits
                ],
            )


@contextmanager
def account_locks(url: str | None, accounts: Sequence[str]) -> Iterator[list[str]]:
    """Hold a session-level advisory lock per account for the block; yields the accounts locked
    (an account another process holds is left out: one session is never used twice at once)."""
    conn = psycopg2.connect(url or settings.warehouse_url(), application_name="gospubliki-tg-locks")
    conn.autocommit = True
    locked: list[str] = []
    try:
        with conn.cursor() as cur:
            for account in accounts:
                cur.execute("select pg_try_advisory_lock(hashtext(%s))", (LOCK_PREFIX + account,))
                if cur.fetchone()[0]:
                    locked.append(account)
        yield locked
    finally:
        conn.close()  # closing the session releases its advisory locks
