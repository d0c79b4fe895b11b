"""The transport of the simulated Telegram: a stand-in for telethon's ``MTProtoSender``.

A ``TelegramClient`` talks to the network only through ``client._sender``; :class:`FakeSender` has
the same methods (``connect``, ``send`` returning a future, ``disconnect``, ``disconnected`` …) and
answers each request from a :class:`~gospubliki.simulator.telegram_fake.TelegramSimulator`
(``simulator.handle(auth_key, request, day)``), delivering results and ``RPCError``\\ s through the
future exactly as the real sender does (after ``simulator.config.latency`` seconds).
"""

from __future__ import annotations

import asyncio
from datetime import date

from telethon.crypto import AuthKey


class FakeSender:
    """Stands in for telethon's ``MTProtoSender``: same methods, answers from a simulator."""

    def __init__(self, simulator, auth_key: bytes, day: date):
        self.simulator = simulator
        self.auth_key = AuthKey(auth_key or None)
        self.day = day
        self._connected = False
        self._disconnected: asyncio.Future | None = None

    async def connect(self, connection) -> bool:
        if self._connected:
            return False
        self._connected = True
        self._disconnected = asyncio.get_running_loop().create_future()
        return True

    def is_connected(self) -> bool:
        return self._connected

    def _transport_connected(self) -> bool:
        return self._connected

    @property
    def disconnected(self) -> asyncio.Future:
        return asyncio.shield(self._disconnected)

    async def disconnect(self) -> None:
        self._connected = False
        if self._disconnected is not None and not self._disconnected.done():
            self._disconnected.set_result(None)

    def _keepalive_ping(self, rnd_id) -> None:
        """Pings are not simulated."""

    def send(self, request, ordered=False):
        if not self._connected:
            raise ConnectionError("Cannot send requests while disconnected")
        if isinstance(request, list):
            return [self.send(r, ordered) for r in request]
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        try:
            outcome, ok = self.simulator.handle(self.auth_key.key or b"", request, self.day), True
        except Exception as exc:  # noqa: BLE001 - delivered through the future, like the real sender
            outcome, ok = exc, False

        def deliver():
            if future.cancelled():
                return
            future.set_result(outcome) if ok else future.set_exception(outcome)

        latency = self.simulator.config.latency
        loop.call_later(latency, deliver) if latency > 0 else loop.call_soon(deliver)
        return future
