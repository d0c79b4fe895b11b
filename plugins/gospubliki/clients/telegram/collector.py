"""Reading channels with a pool of Telegram accounts (asyncio; pure Python, no warehouse access).

Rules (the issue's, as implemented):

* **Per-account access hashes.** A channel is read by an account that has it in the cache
  (``(account, username) -> ChannelRef``); the least loaded such account takes it. A channel no
  usable account has cached is resolved by the least loaded account with resolve budget left
  (``resolve_budget`` per account per run, ``resolve_interval`` seconds apart); when no budget is
  left it is recorded as ``unresolved`` / ``not resolved yet (resolve budget)`` and the resolve job
  (``extract/telegram_resolve.py``) or a later run resolves it. A username known not to exist (``negative`` cache) is not resolved again.
* **Per channel:** ``GetFullChannel`` then, unless the channel is blocked, the history of the
  window (``iter_posts``); ``channel_interval`` seconds apart per account.
* **Flood waits** are recorded per (account, request type); that account sends no such request
  for the rest of the run (nor while the wait holds in later runs: ``blocked``). An account blocked
  on ``GetFullChannel`` or ``GetHistory`` reads no more channels; its channels (the interrupted one
  included) move to the other accounts in the next round. Nothing is retried in a loop: each block
  is permanent for the run, so rounds end. Channels nobody could take are ``error`` /
  ``flood wait: …`` (the load still accounts for every page; a later run reads them).
* **Dead sessions** (revoked, unregistered, duplicated key) stop the account for the run with a
  clear reason; its channels move like above.
* **Private / invalid channels** are outcomes with a status and a reason; an invalid cached hash
  is dropped so a later run resolves the username again.
* **One channel never takes down the run:** an RPC error of no known meaning is a skip (the
  adapter's classification), an answer the adapter cannot map is ``error`` / ``bad payload: …``;
  a history that cannot be read after the channel's attributes were is ``posts_unread``
  (attributes kept, no post landed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from gospubliki.clients.errors import CredentialStopped, RetryableError
from gospubliki.clients.telegram.port import (
    READ_REQUESTS,
    RESOLVE,
    AccountUnusable,
    ChannelRef,
    ChannelSkipped,
    ChannelSnapshot,
    FloodWait,
    PostRecord,
    TelegramPort,
)

log = logging.getLogger(__name__)

NOT_RESOLVED = "not resolved yet (resolve budget)"
UNRESOLVED = "unresolved"  # gospubliki.extract.statuses.UNRESOLVED
POSTS_UNREAD = "posts_unread"  # gospubliki.extract.statuses.POSTS_UNREAD (clients do not import extract)
FLOOD_WAIT = "flood wait"


@dataclass(frozen=True)
class ChannelTask:
    page_key: str  # 'tg:<username>'
    username: str  # registry.pages.page_ref


@dataclass
class ChannelOutcome:
    """What became of one registry page: ``status`` is its ``fetch_status``."""

    page_key: str
    status: str
    reason: str | None = None
    kind: str | None = None  # short stable label for counting (None when fully read)
    account: str | None = None
    channel_id: int | None = None  # known from the cache or the resolve even when not read
    snapshot: ChannelSnapshot | None = None
    posts: list[PostRecord] = field(default_factory=list)


@dataclass(frozen=True)
class NegativeEntry:
    """A username known not to be a readable channel (cached so it is not resolved every day)."""

    status: str
    reason: str
    kind: str
    account: str | None = None  # the account that resolved it


@dataclass
class CollectResult:
    outcomes: dict[str, ChannelOutcome] = field(default_factory=dict)
    resolved: list[tuple[str, ChannelRef]] = field(default_factory=list)  # new (account, ref) cache rows
    negative: dict[str, NegativeEntry] = field(default_factory=dict)  # new negative rows, by username
    dropped: list[tuple[str, str]] = field(default_factory=list)  # stale (account, username) rows
    flood_waits: list[FloodWait] = field(default_factory=list)
    stopped: dict[str, str] = field(default_factory=dict)  # account -> why it is unusable
    resolves: Counter = field(default_factory=Counter)  # by account
    channels: Counter = field(default_factory=Counter)  # channels read, by account
    moved: int = 0
    rounds: int = 0

    def all_accounts_unusable(self, accounts: Sequence[str]) -> bool:
        return bool(accounts) and all(a in self.stopped for a in accounts)


class Collector:
    """One run over ``ports`` (one per account, in order of preference).

    :param cache: ``(account, username) -> ChannelRef``; updated in place with new resolves.
    :param negative: ``username -> NegativeEntry`` of usernames not to resolve again yet.
    :param blocked: ``account -> {request type: until}`` flood waits still in force.
    """

    def __init__(
        self,
        ports: Mapping[str, TelegramPort],
        *,
        since: datetime,
        until: datetime,
        cache: dict[tuple[str, str], ChannelRef] | None = None,
        negative: Mapping[str, NegativeEntry] | None = None,
        blocked: Mapping[str, Mapping[str, datetime]] | None = None,
        resolve_budget: int = 30,
        resolve_interval: float = 2.0,
        channel_interval: float = 3.0,
    ):
        self.ports = dict(ports)
        self.order = list(self.ports)
        self.since, self.until = since, until
        self.cache = cache if cache is not None else {}
        self.known_negative = dict(negative or {})
        self.blocked = {a: dict((blocked or {}).get(a, {})) for a in self.order}
        self.budget = max(0, resolve_budget)
        self.intervals = {"resolve": resolve_interval, "channel": channel_interval}
        self._last: dict[tuple[str, str], float] = {}
        self.result = CollectResult()

    # ------------------------------------------------------------------ account state
    def can_read(self, account: str) -> bool:
        return account not in self.result.stopped and not any(
            t in self.blocked[account] for t in READ_REQUESTS
        )

    def can_resolve(self, account: str) -> bool:
        return (
            self.can_read(account)
            and RESOLVE not in self.blocked[account]
            and self.result.resolves[account] < self.budget
        )

    def _block(self, account: str, flood: FloodWait) -> None:
        self.blocked[account][flood.request_type] = flood.until
        self.result.flood_waits.append(flood)
        log.warning(
            "telegram %s: %s; no more %s from it this run", account, flood.message, flood.request_type
        )

    async def _pace(self, account: str, kind: str) -> None:
        interval = self.intervals[kind]
        last = self._last.get((account, kind))
        if interval > 0 and last is not None:
            wait = last + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last[(account, kind)] = time.monotonic()

    # ------------------------------------------------------------------ the run
    async def run(self, tasks: Sequence[ChannelTask]) -> CollectResult:
        await asyncio.gather(*(self._connect(a) for a in self.order))
        pending = []
        for task in tasks:
            entry = self.known_negative.get(task.username)
            if entry is not None and not any((a, task.username) in self.cache for a in self.order):
                self._outcome(task, entry.status, entry.reason, entry.kind)
            else:
                pending.append(task)
        try:
            while pending:
                self.result.rounds += 1
                plan = self._assign(pending)
                if not plan:
                    break
                moved = await asyncio.gather(*(self._work(a, ts) for a, ts in plan.items()))
                pending = [t for batch in moved for t in batch]
                self.result.moved += len(pending)
                if pending:
                    log.info(
                        "telegram round %d: %d channels move to other accounts",
                        self.result.rounds,
                        len(pending),
                    )
        finally:
            await asyncio.gather(*(p.close() for p in self.ports.values()))
        return self.result

    async def _connect(self, account: str) -> None:
        try:
            await self.ports[account].connect()
        except AccountUnusable as exc:
            self._stop(account, exc)

    def _stop(self, account: str, exc: AccountUnusable) -> None:
        self.result.stopped[account] = exc.message
        log.error("telegram account %s stopped for this run: %s", account, exc.message)

    def _outcome(self, task: ChannelTask, status: str, reason: str | None, kind: str | None, **kw) -> None:
        self.result.outcomes[task.page_key] = ChannelOutcome(task.page_key, status, reason, kind, **kw)

    def _assign(self, pending: Sequence[ChannelTask]) -> dict[str, list[ChannelTask]]:
        load: Counter = Counter()
        budget_left = {a: self.budget - self.result.resolves[a] for a in self.order}
        rank = {a: i for i, a in enumerate(self.order)}
        plan: dict[str, list[ChannelTask]] = {}
        for task in pending:
            readers = [a for a in self.order if self.can_read(a) and (a, task.username) in self.cache]
            if not readers:
                readers = [
                    a
                    for a in self.order
                    if self.can_read(a) and RESOLVE not in self.blocked[a] and budget_left[a] > 0
                ]
                if readers:
                    chosen = min(readers, key=lambda a: (load[a], rank[a]))
                    budget_left[chosen] -= 1
                    readers = [chosen]
            if not readers:
                reason, kind = self._why_unread(task, budget_left)
                self._outcome(task, UNRESOLVED if kind == "not_resolved" else "error", reason, kind)
                continue
            chosen = min(readers, key=lambda a: (load[a], rank[a]))
            plan.setdefault(chosen, []).append(task)
            load[chosen] += 1
        return plan

    def _why_unread(self, task: ChannelTask, budget_left: Mapping[str, int]) -> tuple[str, str]:
        usable = [a for a in self.order if a not in self.result.stopped]
        if not usable:
            stopped = "; ".join(self.result.stopped.values()) or "none configured"
            return f"no Telegram account left ({stopped})", "no_accounts"
        readable = [a for a in usable if self.can_read(a)]
        cached_on = [a for a in usable if (a, task.username) in self.cache]
        flood_resolve = any(RESOLVE in self.blocked[a] and budget_left[a] > 0 for a in readable)
        if cached_on or not readable or flood_resolve:
            waits = ", ".join(
                f"{a}: {t} until {u:%Y-%m-%d %H:%M} UTC"
                for a in usable
                for t, u in sorted(self.blocked[a].items())
            )
            return (
                f"{FLOOD_WAIT}: no account could read it this run ({waits}); a later run reads it",
                "flood_wait",
            )
        return NOT_RESOLVED, "not_resolved"

    async def _work(self, account: str, tasks: list[ChannelTask]) -> list[ChannelTask]:
        """Read ``tasks`` with one account; returns the tasks that must move to another account."""
        port, moved = self.ports[account], []
        for i, task in enumerate(tasks):
            if not self.can_read(account):
                moved.extend(tasks[i:])
                break
            ref = self.cache.get((account, task.username))
            if ref is None and not self.can_resolve(account):
                moved.append(task)
                continue
            try:
                await self._read(account, port, task, ref)
            except FloodWait as exc:
                self._block(account, exc)
                moved.append(task)
            except AccountUnusable as exc:
                self._stop(account, exc)
                moved.extend(tasks[i:])
                break
        return moved

    async def _read(
        self, account: str, port: TelegramPort, task: ChannelTask, ref: ChannelRef | None
    ) -> None:
        from_cache = ref is not None
        try:
            if ref is None:
                await self._pace(account, "resolve")
                self.result.resolves[account] += 1
                try:
                    ref = await port.resolve(task.username)
                except ChannelSkipped as exc:
                    if exc.status == "not_found":
                        self.result.negative[task.username] = NegativeEntry(
                            exc.status, exc.message, exc.kind, account
                        )
                    raise
                self.cache[(account, task.username)] = ref
                self.result.resolved.append((account, ref))
            await self._pace(account, "channel")
            snapshot = await port.fetch_channel(ref)
            seen = {"account": account, "channel_id": ref.channel_id, "snapshot": snapshot}
            if snapshot.is_blocked:
                reason = f"blocked by Telegram ({snapshot.restriction_reason})"
                self._outcome(task, "deactivated", reason, "blocked", **seen)
            else:
                await self._read_posts(task, port, ref, seen)
            self.result.channels[account] += 1
        except ChannelSkipped as exc:
            if exc.drop_cache and from_cache:
                self.cache.pop((account, task.username), None)
                self.result.dropped.append((account, task.username))
            channel_id = ref.channel_id if ref is not None else None
            self._outcome(task, exc.status, exc.message, exc.kind, account=account, channel_id=channel_id)
        except RetryableError as exc:
            reason, channel_id = f"retries exhausted: {exc.message}", ref.channel_id if ref else None
            self._outcome(task, "error", reason, "retries_exhausted", account=account, channel_id=channel_id)
        except CredentialStopped:
            raise  # flood wait, dead session: the account's business (see _work)
        except Exception as exc:  # noqa: BLE001 - an unexpected answer costs the channel, not the day
            log.exception("telegram %s: unexpected answer for %s", account, task.page_key)
            channel_id = ref.channel_id if ref is not None else None
            self._outcome(
                task, "error", unexpected(exc), "bad_payload", account=account, channel_id=channel_id
            )

    async def _read_posts(self, task: ChannelTask, port: TelegramPort, ref: ChannelRef, seen: dict) -> None:
        """The channel's posts of the window; when they cannot be read the channel's attributes
        stand and it is recorded ``posts_unread`` with the reason (no post of it is landed)."""
        try:
            posts = [p async for p in port.iter_posts(ref, self.since, self.until)]
        except ChannelSkipped as exc:
            self._outcome(task, POSTS_UNREAD, exc.message, exc.kind, **seen)
        except RetryableError as exc:
            self._outcome(task, POSTS_UNREAD, f"retries exhausted: {exc.message}", "retries_exhausted", **seen)
        except CredentialStopped:
            raise
        except Exception as exc:  # noqa: BLE001 - see _read
            log.exception("telegram %s: unexpected history answer for %s", seen["account"], task.page_key)
            self._outcome(task, POSTS_UNREAD, unexpected(exc), "bad_payload", **seen)
        else:
            self._outcome(task, "ok", None, None, posts=posts, **seen)


def unexpected(exc: BaseException) -> str:
    """The reason recorded for an answer the adapter could not map (never a secret: no request)."""
    text = str(exc)
    return f"bad payload: {type(exc).__name__}" + (f": {text[:200]}" if text else "")
