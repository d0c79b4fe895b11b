"""The Telegram port: what the extraction needs from Telegram, in our own types.

Telegram's MTProto cannot be served locally, so the extraction talks to Telegram only through
:class:`TelegramPort` (one instance per account). The one implementation is
:class:`gospubliki.clients.telegram.telethon_adapter.TelethonAdapter` over a real
``telethon.TelegramClient``; tests and demos run that same adapter and client with the simulator's
transport (:mod:`gospubliki.simulator.telegram_fake`), so the mapping from telethon objects and the
flood-wait flow are exercised for real.

Failures come out classified (:mod:`gospubliki.clients.errors`):

* :class:`FloodWait` (``CredentialStopped``) — the account must not send ``request_type`` until
  ``until``; its work moves to other accounts or a later run (never a retry loop);
* :class:`AccountUnusable` (``CredentialStopped``) — revoked / unregistered / duplicated session:
  the account is stopped for the run, a person must log it in again;
* :class:`ChannelSkipped` (``PageSkipped``) — private, invalid or unknown channel: recorded with
  ``status`` (a ``fetch_status``) and a reason;
* ``RetryableError`` — Telegram's internal errors outlived telethon's own retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from gospubliki.clients.errors import CredentialStopped, PageSkipped

NETWORK = "tg"
RESOLVE = "ResolveUsernameRequest"
FULL_CHANNEL = "GetFullChannelRequest"
HISTORY = "GetHistoryRequest"
READ_REQUESTS = (FULL_CHANNEL, HISTORY)
"""Request types every channel needs each day; an account blocked on either reads no channel."""


@dataclass(frozen=True)
class ChannelRef:
    """A resolved channel as one account sees it (the cache row): the hash is valid for it only."""

    channel_id: int
    access_hash: int
    username: str


@dataclass(frozen=True)
class ChannelSnapshot:
    """A channel's attributes from ``channels.getFullChannel`` (``ChannelFull`` + its ``Channel``)."""

    channel_id: int
    username: str | None
    title: str
    participants_count: int | None
    about: str
    has_photo: bool
    verified: bool
    restriction_reason: str | None  # 'terms: …' when Telegram blocks the channel on every platform
    payload: dict = field(default_factory=dict, compare=False)

    @property
    def is_blocked(self) -> bool:
        """Blocked for everyone: the extraction records it as 'deactivated' and reads no history."""
        return self.restriction_reason is not None


@dataclass(frozen=True)
class PostRecord:
    """One post: a single message, or an album (messages sharing ``grouped_id``) counted once.

    ``views`` and ``forwards`` are the maximum over the album's messages (they are seen and
    forwarded together); ``replies`` and ``reactions`` are summed (each message has its own).
    """

    channel_id: int
    post_id: int  # the message id; for an album the first (lowest) message id
    grouped_id: int | None
    message_ids: tuple[int, ...]
    posted_at: datetime  # aware UTC
    text: str
    views: int | None  # None: not given by Telegram (unknown, stored NULL)
    forwards: int | None
    replies: int | None  # None: the channel has no comments
    reactions: int
    is_pinned: bool
    payload: dict = field(default_factory=dict, compare=False)


class FloodWait(CredentialStopped):
    """``FLOOD_WAIT_X``: ``account`` must not send ``request_type`` for ``seconds``."""

    def __init__(self, account: str, request_type: str, seconds: int, *, at: datetime | None = None):
        super().__init__(NETWORK, 420, f"{account}: FLOOD_WAIT of {seconds} s on {request_type}")
        self.account = account
        self.request_type = request_type
        self.seconds = int(seconds)
        self.recorded_at = at or datetime.now(UTC)
        self.until = self.recorded_at + timedelta(seconds=self.seconds)


class AccountUnusable(CredentialStopped):
    """The account's session is dead (revoked, unregistered, used from two places, banned)."""

    def __init__(self, account: str, code, message: str):
        super().__init__(NETWORK, code, f"{account}: {message}")
        self.account = account


class ChannelSkipped(PageSkipped):
    """The channel cannot be read: ``status`` is its fetch_status, ``drop_cache`` means the cached
    access hash is no longer valid (the username is resolved again by a later run)."""

    def __init__(self, code, message: str, *, status: str, kind: str, drop_cache: bool = False):
        super().__init__(NETWORK, code, message)
        self.status = status
        self.kind = kind
        self.drop_cache = drop_cache


@runtime_checkable
class TelegramPort(Protocol):
    """One account's access to Telegram (see the module docstring for the failures raised)."""

    account: str

    async def connect(self) -> None:
        """Open the account's connection (raises ``AccountUnusable`` for a dead session)."""

    async def resolve(self, username: str) -> ChannelRef:
        """``contacts.resolveUsername``: the channel id and this account's access hash."""

    async def fetch_channel(self, channel: ChannelRef) -> ChannelSnapshot:
        """``channels.getFullChannel``: subscribers, description, photo, restrictions."""

    def iter_posts(self, channel: ChannelRef, since: datetime, until: datetime) -> AsyncIterator[PostRecord]:
        """Posts published from ``since`` on, newest first (``messages.getHistory``). Posts dated
        at or after ``until`` (the end of the snapshot day) are yielded too: the landing
        quarantines them with their reason, counted (``warehouse/quarantine.py``)."""

    async def close(self) -> None:
        """Disconnect (idempotent)."""

    def request_counts(self) -> dict[str, int]:
        """Requests issued so far, by TL request type."""
