"""The Telegram port over telethon 1.45 (user accounts, ``StringSession``; pure Python, no Airflow).

* one :class:`CountingTelegramClient` per account, built by :func:`make_client` from the
  account's ``StringSession`` with ``receive_updates=False`` (a scraper needs no pushed updates),
  a small ``flood_sleep_threshold`` (telethon sleeps through short flood waits itself; longer ones
  are raised and stop that account's request type for the run), ``raise_last_call_error=True``;
* channels are addressed as ``InputPeerChannel(channel_id, access_hash)`` from the cache, so a
  daily run resolves no username; :meth:`TelethonAdapter.resolve` is the only resolve;
* ``functions.channels.GetFullChannelRequest`` -> subscribers and attributes;
  ``client.iter_messages`` newest first, stopping at the window start -> posts (one GetHistory
  request for a channel with at most 100 messages since the window start);
* every telethon error is classified by :func:`classify` into the port's failures.

A :data:`ClientFactory` builds the client of an account for a snapshot date; the simulator's
factory (:mod:`gospubliki.simulator.telegram_fake`) returns the same client with its transport
replaced, so everything here runs unchanged in tests.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime

from telethon import TelegramClient, errors, functions, types, utils
from telethon.errors import rpcerrorlist
from telethon.sessions import StringSession

from gospubliki.clients.errors import ApiFailure, RetryableError
from gospubliki.clients.http import RequestCounter
from gospubliki.clients.telegram import mapping
from gospubliki.clients.telegram.port import (
    FULL_CHANNEL,
    HISTORY,
    NETWORK,
    RESOLVE,
    AccountUnusable,
    ChannelRef,
    ChannelSkipped,
    ChannelSnapshot,
    FloodWait,
    PostRecord,
)
from gospubliki.clients.telegram.settings import TelegramAccount, TelegramSettings

log = logging.getLogger(__name__)

ClientFactory = Callable[[TelegramAccount, date], TelegramClient]
"""``factory(account, snapshot_date) -> TelegramClient`` (not connected yet)."""

_FATAL = {
    errors.AuthKeyUnregisteredError: "session not registered (AUTH_KEY_UNREGISTERED)",
    errors.SessionRevokedError: "session revoked (SESSION_REVOKED): the user terminated it",
    errors.SessionExpiredError: "session expired (SESSION_EXPIRED)",
    errors.AuthKeyDuplicatedError: (
        "session used from two places at once (AUTH_KEY_DUPLICATED), the key is dead; "
        "never share a session between processes or hosts"
    ),
    errors.UserDeactivatedError: "the account was deleted (USER_DEACTIVATED)",
    errors.UserDeactivatedBanError: "the account was banned (USER_DEACTIVATED_BAN)",
}
RELOGIN = "log the account in again and replace its StringSession"
_CHANNEL_GONE = (errors.ChannelInvalidError, errors.PeerIdInvalidError, errors.ChannelPublicGroupNaError)
_TRANSIENT = (errors.ServerError, errors.TimedOutError, errors.RpcCallFailError)


class CountingTelegramClient(TelegramClient):
    """A ``TelegramClient`` that counts the requests it issues, by TL request type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_counter = RequestCounter()

    async def _call(self, sender, request, ordered=False, flood_sleep_threshold=None):
        for r in request if utils.is_list_like(request) else (request,):
            self.request_counter.add(type(r).__name__)
        return await super()._call(
            sender, request, ordered=ordered, flood_sleep_threshold=flood_sleep_threshold
        )


def make_client(account: TelegramAccount, settings: TelegramSettings) -> CountingTelegramClient:
    """The production client of one account (not connected).

    :raises AccountUnusable: the session string is not a telethon ``StringSession``.
    """
    try:
        session = StringSession(account.session)
    except Exception:  # noqa: BLE001 - the message must not quote the secret
        raise AccountUnusable(account.name, "BAD_SESSION", "not a valid StringSession; " + RELOGIN) from None
    return CountingTelegramClient(
        session,
        settings.api_id,
        settings.api_hash,
        receive_updates=False,
        flood_sleep_threshold=settings.flood_sleep_threshold,
        request_retries=settings.request_retries,
        raise_last_call_error=True,
        timeout=int(settings.timeout),
        connection_retries=2,
        device_model="gospubliki collector",
        app_version="gospubliki",
        base_logger="gospubliki.telethon",
    )


def telethon_factory(settings: TelegramSettings) -> ClientFactory:
    """Real Telegram: the snapshot date does not change the client."""
    return lambda account, snapshot_date: make_client(account, settings)


_RPC_NAMES = {cls: name for name, cls in rpcerrorlist.rpc_errors_dict.items()}
_RPC_NAMES.update({cls: pattern.split("_(")[0] + "_X" for pattern, cls in rpcerrorlist.rpc_errors_re})


def rpc_name(exc: errors.RPCError) -> str:
    """Telegram's name of an RPC error (``CHANNEL_INVALID``; ``FLOOD_WAIT_X``). Telethon keeps only
    a generic ``.message`` (``BAD_REQUEST``) on the classes it knows."""
    return _RPC_NAMES.get(type(exc)) or exc.message


def request_type_of(exc: BaseException, default: str) -> str:
    """The TL request an error answered (telethon wraps it in ``InvokeWithoutUpdatesRequest``)."""
    request = getattr(exc, "request", None)
    while request is not None and hasattr(request, "query") and type(request).__name__.startswith("Invoke"):
        request = request.query
    return type(request).__name__ if request is not None else default


def classify(exc: BaseException, request_type: str, account: str) -> ApiFailure:
    """One telethon error as the port's failure (see :mod:`gospubliki.clients.telegram.port`).

    Unknown non-RPC exceptions (bugs) are not classified: the caller re-raises them.
    """
    if isinstance(exc, ApiFailure):
        return exc
    name = rpc_name(exc) if isinstance(exc, errors.RPCError) else type(exc).__name__
    if isinstance(exc, (errors.FloodWaitError, errors.FloodPremiumWaitError)):
        return FloodWait(account, request_type_of(exc, request_type), exc.seconds)
    for cls, text in _FATAL.items():
        if isinstance(exc, cls):
            return AccountUnusable(account, name, f"{text}; {RELOGIN}")
    if isinstance(exc, (errors.UnauthorizedError, errors.AuthKeyError)):
        return AccountUnusable(account, name, f"not authorised ({name}); {RELOGIN}")
    if isinstance(exc, errors.ChannelPrivateError):
        return ChannelSkipped(name, "private channel (CHANNEL_PRIVATE)", status="private", kind="private")
    if isinstance(exc, _CHANNEL_GONE):
        return ChannelSkipped(
            name,
            f"channel invalid ({name}): cached access hash dropped, resolved again next run",
            status="not_found",
            kind="channel_invalid",
            drop_cache=True,
        )
    if isinstance(exc, errors.UsernameNotOccupiedError):
        return ChannelSkipped(
            name,
            "username not occupied (USERNAME_NOT_OCCUPIED)",
            status="not_found",
            kind="username_not_occupied",
        )
    if isinstance(exc, errors.UsernameInvalidError):
        return ChannelSkipped(
            name, "username invalid (USERNAME_INVALID)", status="not_found", kind="username_invalid"
        )
    if isinstance(exc, _TRANSIENT):
        return RetryableError(NETWORK, name, f"{request_type}: {name} after telethon's retries")
    if isinstance(exc, (errors.BadRequestError, errors.ForbiddenError)):
        return ChannelSkipped(
            name,
            f"{request_type} refused ({name})",
            status="error",
            kind=f"rpc_{name}".lower(),
        )
    if isinstance(exc, errors.RPCError):
        return RetryableError(NETWORK, exc.code, f"{request_type}: {name}")
    if isinstance(exc, (ConnectionError, OSError)):
        return AccountUnusable(account, "CONNECTION", f"cannot reach Telegram ({type(exc).__name__}: {exc})")
    raise exc


class TelethonAdapter:
    """:class:`~gospubliki.clients.telegram.port.TelegramPort` of one account over a telethon client.

    :param account: the account's name (never its session).
    :param client: a client from :func:`make_client` (or the simulator's factory), not connected.
    :param history_wait: seconds between two history pages of one channel.
    """

    def __init__(self, account: str, client: TelegramClient, *, history_wait: float = 1.0):
        self.account = account
        self.client = client
        self.history_wait = history_wait
        self._connected = False

    def __repr__(self) -> str:
        return f"TelethonAdapter({self.account!r})"

    async def connect(self) -> None:
        try:
            await self.client.connect()
        except Exception as exc:  # noqa: BLE001 - classified or re-raised
            failure = classify(exc, "connect", self.account)
            if not isinstance(failure, AccountUnusable):
                failure = AccountUnusable(self.account, failure.code, f"cannot connect: {failure.message}")
            raise failure from exc
        self._connected = True

    async def _request(self, request, request_type: str):
        try:
            return await self.client(request)
        except Exception as exc:  # noqa: BLE001 - classified or re-raised
            raise classify(exc, request_type, self.account) from exc

    async def resolve(self, username: str) -> ChannelRef:
        resolved = await self._request(functions.contacts.ResolveUsernameRequest(username), RESOLVE)
        return mapping.channel_ref(resolved, username)

    async def fetch_channel(self, channel: ChannelRef) -> ChannelSnapshot:
        request = functions.channels.GetFullChannelRequest(
            types.InputChannel(channel.channel_id, channel.access_hash)
        )
        return mapping.channel_snapshot(await self._request(request, FULL_CHANNEL))

    async def iter_posts(
        self, channel: ChannelRef, since: datetime, until: datetime
    ) -> AsyncIterator[PostRecord]:
        peer = types.InputPeerChannel(channel.channel_id, channel.access_hash)
        collector = mapping.AlbumCollector()
        messages = self.client.iter_messages(peer, limit=None, wait_time=self.history_wait)
        while True:
            try:
                message = await messages.__anext__()
            except StopAsyncIteration:
                break
            except Exception as exc:  # noqa: BLE001 - classified or re-raised
                raise classify(exc, HISTORY, self.account) from exc
            moment = getattr(message, "date", None)
            if moment is None:  # MessageEmpty
                continue
            # a post dated after the snapshot day (``until``) is kept: the landing quarantines it
            # with its reason, counted (warehouse/quarantine.py)
            if moment < since:  # newest first: everything further is older
                break
            for post in collector.add(message):
                yield post
        for post in collector.flush():
            yield post

    async def close(self) -> None:
        try:
            await self.client.disconnect()
        except Exception as exc:  # noqa: BLE001 - closing must not hide the run's result
            log.warning("telegram %s: disconnect failed: %s", self.account, exc)

    def request_counts(self) -> dict[str, int]:
        counter = getattr(self.client, "request_counter", None)
        return counter.snapshot()["by_method"] if counter is not None else {}
