"""Telegram extraction: the registry's Telegram pages -> user accounts (telethon) -> one raw load.

``run_tg_extraction(snapshot_date)`` (synchronous; asyncio inside) reads the registry's ``tg``
pages, the per-account access-hash cache and the flood waits in force, collects every channel with
the account pool (:mod:`gospubliki.clients.telegram.collector`), saves the cache and the new flood
waits, and lands one load of source ``'tg'``: ``raw.tg_pages`` (every registry page, skipped ones
with ``fetch_status`` and ``error_reason``) and ``raw.tg_posts`` (posts of the window, an album
counted once).

``fetch_status`` of a page: ``ok``; ``private`` (``CHANNEL_PRIVATE``); ``not_found`` (username not
occupied, not a channel, invalid cached hash); ``deactivated`` (blocked by Telegram on every
platform); ``unresolved`` — no account has resolved the username yet (the resolve job,
``extract/telegram_resolve.py``, will; reported, not a failure); ``error`` — not read this run:
``flood wait: …``, ``retries exhausted: …`` or no account left. A later run reads them.

Requests per run: 2 per readable channel (``GetFullChannel`` + one ``GetHistory`` page when the
window holds ≤ 100 messages), 1 per private channel, a resolve per username not cached yet, and 3
per account for ``connect()`` (``get_me``, ``GetState``, ``GetDifference``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from gospubliki import dates
from gospubliki.clients.errors import NoCredentialsLeft
from gospubliki.clients.telegram import settings as tg_settings
from gospubliki.clients.telegram.collector import ChannelOutcome, ChannelTask, Collector, CollectResult
from gospubliki.clients.telegram.port import AccountUnusable
from gospubliki.clients.telegram.settings import TelegramAccount, TelegramSettings
from gospubliki.clients.telegram.telethon_adapter import ClientFactory, TelethonAdapter, telethon_factory
from gospubliki.extract import telegram_state as state
from gospubliki.extract.landing import begin_extraction, land_extraction
from gospubliki.extract.telegram_rows import PAGE_COLUMNS, POST_COLUMNS, details_of, page_row, post_row
from gospubliki.extract.vk import RegistryPage, read_registry_pages
from gospubliki.warehouse.loads import LoadResult, RawBatch

log = logging.getLogger(__name__)

SOURCE = "tg"
IN_USE = "in use by another run (its advisory lock is held); not used this run"


@dataclass
class TgExtractResult:
    """Raw batches of one Telegram load, what it cost and what happened to the accounts."""

    batches: list[RawBatch]
    requests: int
    details: dict = field(default_factory=dict)
    collected: CollectResult = field(default_factory=CollectResult)
    no_accounts: NoCredentialsLeft | None = None


def account_ports(
    settings: TelegramSettings, factory: ClientFactory, snapshot_date: date, usable: Sequence[str]
) -> tuple[dict[str, TelethonAdapter], dict[str, str]]:
    """One client port per usable account (the extraction's and the resolve job's); the others
    with the reason they stopped (in use elsewhere, or unusable)."""
    ports, stopped = {}, {}
    for account in settings.accounts:
        if account.name not in usable:
            stopped[account.name] = f"{account.name}: {IN_USE}"
            continue
        try:
            client = factory(account, snapshot_date)
        except AccountUnusable as exc:
            stopped[account.name] = exc.message
            continue
        ports[account.name] = TelethonAdapter(account.name, client, history_wait=settings.history_wait)
    return ports, stopped


def extract_tg(
    pages: Sequence[RegistryPage],
    snapshot_date: date,
    settings: TelegramSettings,
    factory: ClientFactory,
    *,
    url: str | None = None,
    window_days: int = 7,
) -> TgExtractResult:
    """Collect every page with the accounts not in use elsewhere; saves cache and flood waits.

    Never raises for dead or busy accounts: ``result.no_accounts`` says every account was unusable.
    """
    since, until = dates.window_start(snapshot_date, window_days), dates.window_end(snapshot_date)
    names = settings.account_names
    with state.account_locks(url, names) as usable:
        cache, negative = state.read_cache(url, usable)
        blocked = state.flood_waits_in_force(url, usable)
        ports, stopped = account_ports(settings, factory, snapshot_date, usable)
        collector = Collector(
            ports,
            since=since,
            until=until,
            cache=cache,
            negative=negative,
            blocked=blocked,
            resolve_budget=settings.resolve_budget,
            resolve_interval=settings.resolve_interval,
            channel_interval=settings.channel_interval,
        )
        collector.result.stopped.update(stopped)
        tasks = [ChannelTask(p.page_key, p.page_ref) for p in pages]
        try:
            collected = asyncio.run(collector.run(tasks))
        finally:
            state.save(url, snapshot_date, collector.result)
        requests = {a: p.request_counts() for a, p in ports.items()}

    owner: dict[int, str] = {}  # channel id -> the page its posts are filed under
    page_rows, post_rows = [], []
    for page in pages:
        outcome = collected.outcomes.get(page.page_key) or ChannelOutcome(
            page.page_key, "error", "not read", "not_read"
        )
        if outcome.snapshot is not None and outcome.status == "ok":
            first = owner.setdefault(outcome.snapshot.channel_id, page.page_key)
            if first != page.page_key:
                outcome.reason, outcome.kind, outcome.posts = (
                    f"same channel as {first}; posts filed under it",
                    "duplicate",
                    [],
                )
        page_rows.append(page_row(snapshot_date, page, outcome))
        post_rows += [post_row(snapshot_date, page.page_key, post) for post in outcome.posts]

    details = details_of(collected, requests, blocked, settings, since, until, window_days, len(post_rows))
    no_accounts = None
    if collected.all_accounts_unusable(names):
        no_accounts = NoCredentialsLeft(
            f"tg: every account is unusable: {'; '.join(collected.stopped.values())}"
        )
        details["no_credentials_left"] = str(no_accounts)
    log.info(
        "tg extraction %s: %d pages, %d posts, requests %s",
        snapshot_date,
        len(page_rows),
        len(post_rows),
        details["requests"]["by_method"],
    )
    return TgExtractResult(
        batches=[
            RawBatch("raw.tg_pages", PAGE_COLUMNS, page_rows),
            RawBatch("raw.tg_posts", POST_COLUMNS, post_rows),
        ],
        requests=details["requests"]["total"],
        details=details,
        collected=collected,
        no_accounts=no_accounts,
    )


def run_tg_extraction(
    snapshot_date: date,
    *,
    url: str | None = None,
    settings: TelegramSettings | None = None,
    accounts: Sequence[TelegramAccount] | Mapping[str, str] | None = None,
    client_factory: ClientFactory | None = None,
    window_days: int = 7,
    force_past: bool | None = None,
) -> LoadResult:
    """Registry -> Telegram -> ``loads.land('tg', …)`` (status 'loaded'). Synchronous.

    ``settings`` default from the environment (``GOSPUBLIKI_TG_*``, or
    :class:`gospubliki.hooks.telegram.TelegramHook`); ``accounts`` replaces its accounts
    (``{name: StringSession}`` or :class:`TelegramAccount`\\ s); ``client_factory`` replaces real
    Telegram (the simulator's :meth:`~gospubliki.simulator.telegram_fake.TelegramSimulator.client_factory`).

    :raises NoCredentialsLeft: no accounts configured (before anything), or every account was
        unusable (after landing the load, whose unread pages carry ``fetch_status = 'error'``, and marking
        it 'failed').
    :raises SnapshotDateRefused: a future date, or one beyond the horizon of real Telegram (a
        ``client_factory`` is the simulator, which replays past days); ``force_past`` overrides it.
    """
    settings = settings or tg_settings.from_env()
    if accounts is not None:
        accounts = tg_settings.parse_sessions(accounts) if isinstance(accounts, Mapping) else tuple(accounts)
        settings = settings.with_(accounts=accounts)
    if not settings.accounts:
        raise NoCredentialsLeft(
            "no Telegram accounts: set GOSPUBLIKI_TG_SESSIONS (JSON {account: StringSession}) "
            "or the telegram_default connection"
        )
    if not settings.api_id or not settings.api_hash:
        raise NoCredentialsLeft(
            "no Telegram api_id/api_hash: set GOSPUBLIKI_TG_API_ID and GOSPUBLIKI_TG_API_HASH"
        )
    dates.check_snapshot_date(snapshot_date, live=client_factory is None, force_past=force_past)
    begin_extraction(SOURCE, snapshot_date, url)
    pages = read_registry_pages(url, "tg")
    started = time.monotonic()
    result = extract_tg(
        pages,
        snapshot_date,
        settings,
        client_factory or telethon_factory(settings),
        url=url,
        window_days=window_days,
    )
    return land_extraction(
        SOURCE,
        snapshot_date,
        result.batches,
        requests=result.requests,
        details=result.details,
        extract_seconds=time.monotonic() - started,
        no_credentials=result.no_accounts,
        url=url,
    )
