"""A fake Telegram at the lowest level: the MTProto sender of a real ``telethon.TelegramClient``.

MTProto cannot be served locally, so instead of a network server the simulator replaces the one
object of a telethon client that touches the network, its ``MTProtoSender`` (``client._sender``),
with :class:`FakeSender`. Everything above it is production code running unchanged:
``TelegramClient.connect()`` (InitConnection, ``get_me``, GetState/GetDifference), ``__call__`` and
its flood-wait bookkeeping and short-wait sleeps, ``iter_messages`` paging, our
:class:`~gospubliki.clients.telegram.telethon_adapter.TelethonAdapter` and its mapping.

Answers are genuine telethon objects (``tg_objects.py``) **round-tripped through TL
serialisation** (``bytes(obj)`` then ``request.read_result``), i.e. exactly what telethon would
decode from the wire; errors are genuine ``telethon.errors`` built by ``rpc_message_to_error`` from
an ``RpcError`` (``FLOOD_WAIT_600`` -> ``FloodWaitError`` with ``.seconds == 600``).

Accounts are identified by the auth key in their ``StringSession`` (:meth:`TelegramSimulator.sessions`
gives genuine session strings); access hashes differ per account (a hash of account A is
``CHANNEL_INVALID`` for account B). Served requests: ``ResolveUsername``, ``GetFullChannel``,
``GetHistory`` (newest first) and what ``connect()`` sends; anything else fails loudly.

Faults (:class:`TelegramFaults`, mutable while a run goes on): flood waits per (account, request
type) after N requests, dead sessions (``SESSION_REVOKED``, ``AUTH_KEY_UNREGISTERED``,
``AUTH_KEY_DUPLICATED`` …) after N requests, any RPC error per channel and request type, payload
anomalies per channel. The world itself brings private channels, deleted ones,
albums and channels without posts.
"""

from __future__ import annotations

import functools
import hashlib
import math
import struct
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from telethon import errors, functions, types
from telethon.crypto import AuthKey
from telethon.extensions import BinaryReader
from telethon.sessions import StringSession

from gospubliki.clients.telegram.settings import TelegramAccount, TelegramSettings
from gospubliki.clients.telegram.telethon_adapter import ClientFactory, make_client
from gospubliki.simulator import anomalies
from gospubliki.simulator import tg_objects as tgo
from gospubliki.simulator.seeding import sub_seed
from gospubliki.simulator.tg_sender import FakeSender
from gospubliki.simulator.world import World

DEFAULT_TG_ACCOUNTS = ("sim-tg-1", "sim-tg-2", "sim-tg-3")
SIM_API_ID = 2026_0301
SIM_API_HASH = "5e0f1c2b3a4d5e6f708192a3b4c5d6e7"
_VECTOR = 0x1CB5C415
_WRAPPERS = ("InvokeWithoutUpdatesRequest", "InvokeWithLayerRequest", "InitConnectionRequest")


@dataclass(frozen=True)
class TelegramSimConfig:
    """:param album_share: share of posts that are albums; :param latency: seconds per answer."""

    accounts: tuple[str, ...] = DEFAULT_TG_ACCOUNTS
    api_id: int = SIM_API_ID
    api_hash: str = SIM_API_HASH
    album_share: float = tgo.ALBUM_SHARE
    latency: float = 0.0


@dataclass
class TelegramFaults:
    """:param flood_waits: ``(account or '*', request type) -> (after, seconds)``: once the account
        has had ``after`` such requests answered (counted from the simulator's creation), the
        next ones answer ``FLOOD_WAIT_<seconds>`` (the remaining seconds) until the wait is over;
        each rule fires once.
    :param dead_sessions: ``account -> (RPC error, after)``: after ``after`` requests of any type
        the account answers that error (``SESSION_REVOKED``, ``AUTH_KEY_UNREGISTERED``,
        ``AUTH_KEY_DUPLICATED`` …) to everything.
    :param page_errors: world page key (``tg:<channel id>``) -> ``{request type: error}``: that
        request (``ResolveUsernameRequest``, ``GetFullChannelRequest``, ``GetHistoryRequest``) answers
        the RPC error for that channel, any error, known to telethon or not; ``error`` is
        ``"NAME"`` (code 400) or ``(code, "NAME")``.
    :param page_anomalies: world page key -> payload anomaly (:mod:`gospubliki.simulator.anomalies`:
        ``missing_counters``, ``missing_members``, ``nul_in_text``, ``wrong_type``).
    """

    flood_waits: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    dead_sessions: dict[str, tuple[str, int]] = field(default_factory=dict)
    page_errors: dict[str, dict[str, str | tuple[int, str]]] = field(default_factory=dict)
    page_anomalies: dict[str, str] = field(default_factory=dict)

    def page_error(self, page_key: str, request_type: str) -> tuple[int, str] | None:
        """``(code, RPC error)`` injected for ``request_type`` on the channel (``None``: none)."""
        error = self.page_errors.get(page_key, {}).get(request_type)
        if error is None:
            return None
        return (400, error) if isinstance(error, str) else (int(error[0]), str(error[1]))

    def anomaly(self, page_key: str) -> str | None:
        kind = self.page_anomalies.get(page_key)
        return anomalies.check(kind) if kind is not None else None


_ERROR_CODES = {
    "AUTH_KEY_DUPLICATED": 406,
    "USERNAME_NOT_OCCUPIED": 400,
    "CHANNEL_PRIVATE": 400,
    "CHANNEL_INVALID": 400,
    "API_ID_INVALID": 400,
}


class _Refusal(Exception):
    """An RPC error to answer (``message`` as Telegram spells it); turned into telethon's class."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


def _rpc_error(message: str, request, code: int | None = None) -> errors.RPCError:
    if code is None:
        code = 420 if message.startswith("FLOOD_WAIT_") else _ERROR_CODES.get(message, 401)
    return errors.rpc_message_to_error(types.RpcError(code, message), request)


def _auth_key_bytes(account: str) -> bytes:
    return b"".join(hashlib.sha256(f"gospubliki-sim:{account}:{i}".encode()).digest() for i in range(8))


def _wire(result, request):
    """``result`` as telethon decodes it from the wire (serialise, then ``request.read_result``)."""
    if isinstance(result, list):
        data = struct.pack("<Ii", _VECTOR, len(result)) + b"".join(bytes(x) for x in result)
    else:
        data = bytes(result)
    with BinaryReader(data) as reader:
        return request.read_result(reader)


class TelegramSimulator:
    """Telegram over a simulated world, for any number of telethon clients (see module docstring)."""

    def __init__(
        self, world: World, config: TelegramSimConfig | None = None, faults: TelegramFaults | None = None
    ):
        self.world = world
        self.config = config or TelegramSimConfig()
        self.faults = faults or TelegramFaults()
        self._by_username = {p.screen_name.lower(): p for p in world.pages_on("tg")}
        self._by_id = {p.page_id: p for p in world.pages_on("tg")}
        self._by_key = {_auth_key_bytes(a): a for a in self.config.accounts}
        self._user_ids = {a: 5_000_000_000 + sub_seed("tg-user", a) % 10**9 for a in self.config.accounts}
        self._sent: Counter = Counter()  # (account, type) -> requests answered; faults count these
        self._by_account: Counter = Counter()  # account -> requests received
        self._flood_until: dict[tuple[str, str], float] = {}
        self._fired: set[tuple[str, str]] = set()
        self.reset()

    # ------------------------------------------------------------------ set-up for clients
    def sessions(self) -> dict[str, str]:
        """Genuine ``StringSession`` strings of the simulated accounts (``{account: session}``)."""
        out = {}
        for account in self.config.accounts:
            session = StringSession()
            session.set_dc(tgo.DC_ID, "149.154.167.51", 443)
            session.auth_key = AuthKey(_auth_key_bytes(account))
            out[account] = session.save()
        return out

    def settings(self, **overrides) -> TelegramSettings:
        """Settings for the simulated accounts; no pacing (the simulator has no rate limits)."""
        accounts = tuple(TelegramAccount(a, s) for a, s in self.sessions().items())
        base = TelegramSettings(
            api_id=self.config.api_id,
            api_hash=self.config.api_hash,
            accounts=accounts,
            resolve_interval=0.0,
            channel_interval=0.0,
            history_wait=0.0,
        )
        return replace(base, **overrides)

    def client_factory(self, settings: TelegramSettings) -> ClientFactory:
        """The production client (:func:`make_client`) with its sender replaced by :class:`FakeSender`."""

        def factory(account: TelegramAccount, snapshot_date: date):
            client = make_client(account, settings)
            key = client.session.auth_key.key if client.session.auth_key else b""
            client._sender = FakeSender(self, key, snapshot_date)
            return client

        return factory

    # ------------------------------------------------------------------ stats
    def reset(self) -> None:
        """Clear the statistics (not the state of the faults: a flood wait that fired stays over)."""
        self.requests_by_method: Counter = Counter()
        self.requests_by_account: dict[str, Counter] = {}
        self.errors: Counter = Counter()
        self.without_updates = 0
        self.api_ids: set[int] = set()

    def stats(self) -> dict:
        return {
            "requests": sum(self.requests_by_method.values()),
            "requests_by_method": dict(self.requests_by_method),
            "requests_by_account": {a: dict(c) for a, c in self.requests_by_account.items()},
            "errors": dict(self.errors),
            "without_updates": self.without_updates,
            "api_ids": sorted(self.api_ids),
        }

    # ------------------------------------------------------------------ serving
    def handle(self, auth_key: bytes, request, day: date):
        """The answer to one request (a TL object or list) or a raised ``RPCError``."""
        inner = request
        while type(inner).__name__ in _WRAPPERS:
            if isinstance(inner, functions.InvokeWithoutUpdatesRequest):
                self.without_updates += 1
            if isinstance(inner, functions.InitConnectionRequest):
                self.api_ids.add(inner.api_id)
                if inner.api_id != self.config.api_id:
                    raise _rpc_error("API_ID_INVALID", inner)
            inner = inner.query
        name = type(inner).__name__
        account = self._by_key.get(auth_key)
        if isinstance(inner, functions.help.GetConfigRequest):
            return _wire(tgo.config(), inner)
        self.requests_by_method[name] += 1
        self.requests_by_account.setdefault(account or "?", Counter())[name] += 1
        try:
            self._check_faults(account, name, inner)
            return _wire(self._answer(account, inner, day), inner)
        except _Refusal as refusal:
            self.errors[refusal.message] += 1
            raise _rpc_error(refusal.message, request, refusal.code) from None

    def _check_faults(self, account: str | None, name: str, request) -> None:
        if account is None:
            raise _Refusal("AUTH_KEY_UNREGISTERED")
        self._by_account[account] += 1
        dead = self.faults.dead_sessions.get(account)
        if dead is not None and self._by_account[account] > dead[1]:
            raise _Refusal(dead[0])
        key = (account, name)
        rule = self.faults.flood_waits.get(key) or self.faults.flood_waits.get(("*", name))
        now = time.time()
        if key in self._flood_until and now < self._flood_until[key]:
            raise _Refusal(f"FLOOD_WAIT_{math.ceil(self._flood_until[key] - now)}")
        if rule is not None and key not in self._fired and self._sent[key] >= rule[0]:
            self._fired.add(key)
            self._flood_until[key] = now + rule[1]
            raise _Refusal(f"FLOOD_WAIT_{rule[1]}")
        self._sent[key] += 1

    def _channel(self, account: str, channel: types.InputChannel | types.InputPeerChannel, request):
        page = self._by_id.get(channel.channel_id)
        if (
            page is None
            or page.state == "deleted"
            or channel.access_hash != tgo.access_hash(self._user_ids[account], page.page_id)
        ):
            raise _Refusal("CHANNEL_INVALID")
        if page.state == "private":
            raise _Refusal("CHANNEL_PRIVATE")
        self._injected(page, request)
        return page

    def _injected(self, page, request) -> None:
        """Raise the RPC error injected for this channel and request type, if any."""
        error = self.faults.page_error(page.key, type(request).__name__)
        if error is not None:
            raise _Refusal(error[1], error[0])

    def _answer(self, account: str, request, day: date):
        user_id = self._user_ids[account]
        if isinstance(request, functions.users.GetUsersRequest):
            return [types.User(id=user_id, is_self=True, access_hash=user_id * 3, first_name=account)]
        if isinstance(request, functions.updates.GetStateRequest):
            return types.updates.State(pts=1, qts=0, date=datetime.now(UTC), seq=1, unread_count=0)
        if isinstance(request, functions.updates.GetDifferenceRequest):
            return types.updates.DifferenceEmpty(date=datetime.now(UTC), seq=1)
        if isinstance(request, functions.contacts.ResolveUsernameRequest):
            page = self._by_username.get(request.username.lower())
            if page is None or page.state == "deleted":
                raise _Refusal("USERNAME_NOT_OCCUPIED")
            self._injected(page, request)
            entity = tgo.channel_entity(page, tgo.access_hash(user_id, page.page_id))
            return types.contacts.ResolvedPeer(peer=types.PeerChannel(page.page_id), chats=[entity], users=[])
        if isinstance(request, functions.channels.GetFullChannelRequest):
            page = self._channel(account, request.channel, request)
            members = self.world.members_on(page, day)
            kind = self.faults.anomaly(page.key)
            if kind == "wrong_type":
                return tgo.basic_group_full(page)
            full = tgo.channel_full(page, members, tgo.access_hash(user_id, page.page_id))
            return tgo.with_anomaly(kind, full)
        if isinstance(request, functions.messages.GetHistoryRequest):
            page = self._channel(account, request.peer, request)
            count, messages = tgo.history(
                page,
                day,
                self.world.seed,
                offset_id=request.offset_id,
                offset_date=request.offset_date,
                add_offset=request.add_offset,
                limit=request.limit,
                max_id=request.max_id,
                min_id=request.min_id,
                share=self.config.album_share,
            )
            entity = tgo.channel_entity(page, tgo.access_hash(user_id, page.page_id))
            messages = [tgo.with_anomaly(self.faults.anomaly(page.key), m) for m in messages]
            return types.messages.ChannelMessages(
                pts=1, count=count, messages=messages, topics=[], chats=[entity], users=[], inexact=True
            )
        raise NotImplementedError(f"the Telegram simulator does not serve {type(request).__name__}")


@functools.lru_cache(maxsize=4)
def _simulator_for(scale: str, region: str, seed: int, factor: float | None) -> TelegramSimulator:
    from gospubliki.simulator.scale import Scale
    from gospubliki.simulator.world import build_world

    return TelegramSimulator(build_world(Scale.from_name(scale, region=region, factor=factor), seed=seed))


def simulator_from_spec(spec: Mapping) -> TelegramSimulator:
    """The simulator over the world ``{"scale": "region", "region": "43", "seed": 1, "factor": null}``
    (the same world as ``gospubliki simulator serve`` with those options; one per process)."""
    factor = spec.get("factor")
    return _simulator_for(
        str(spec.get("scale", "region")),
        str(spec.get("region", "43")),
        int(spec.get("seed", 1)),
        float(factor) if factor is not None else None,
    )
