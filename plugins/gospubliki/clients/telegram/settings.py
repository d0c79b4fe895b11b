"""Settings of the Telegram extraction, read from the environment (nothing at import time).

| variable | default | meaning |
|---|---|---|
| ``GOSPUBLIKI_TG_API_ID`` | — | the application's ``api_id`` (my.telegram.org) |
| ``GOSPUBLIKI_TG_API_HASH`` | — | the application's ``api_hash`` (a secret) |
| ``GOSPUBLIKI_TG_SESSIONS`` | — | JSON ``{"account name": "<StringSession>"}`` (secrets: user accounts) |
| ``GOSPUBLIKI_TG_RESOLVE_BUDGET`` | ``30`` | usernames resolved per account per run, at most |
| ``GOSPUBLIKI_TG_RESOLVE_DAILY_BUDGET`` | ``200`` | … and per account and Moscow day (``extract/telegram_resolve.py``) |
| ``GOSPUBLIKI_TG_RESOLVE_INTERVAL`` | ``2`` | seconds between two resolves of one account (≈ 30 a minute) |
| ``GOSPUBLIKI_TG_CHANNEL_INTERVAL`` | ``3`` | seconds between two channels of one account |
| ``GOSPUBLIKI_TG_FLOOD_SLEEP`` | ``10`` | telethon sleeps through flood waits up to this (s) |
| ``GOSPUBLIKI_TG_REQUEST_RETRIES`` | ``3`` | telethon's retries of Telegram's internal errors |
| ``GOSPUBLIKI_TG_TIMEOUT`` | ``30`` | connection timeout, seconds |
| ``GOSPUBLIKI_TG_HISTORY_WAIT`` | ``1`` | seconds between two history pages of one channel |

A channel interval of 3 s keeps an account near telethon's estimate of 10 GetHistory per 30 s;
longer flood waits than ``FLOOD_SLEEP`` stop that account's request type for the run (recorded).
History pages after the first are needed only for channels with > 100 messages in the window.

The account name (the JSON key) is what the warehouse, logs and reports show; the session string
is equivalent to the account's password and never leaves this process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from gospubliki.settings import env


@dataclass(frozen=True)
class TelegramAccount:
    """A user account: its name (shown everywhere) and its ``StringSession`` (a secret, never shown)."""

    name: str
    session: str = field(repr=False)


@dataclass(frozen=True)
class TelegramSettings:
    """Everything the Telegram extraction needs; secrets are excluded from ``repr``."""

    api_id: int
    api_hash: str = field(repr=False)
    accounts: tuple[TelegramAccount, ...] = ()
    resolve_budget: int = 30
    resolve_interval: float = 2.0
    channel_interval: float = 3.0
    flood_sleep_threshold: int = 10
    request_retries: int = 3
    timeout: float = 30.0
    history_wait: float = 1.0

    @property
    def account_names(self) -> list[str]:
        return [a.name for a in self.accounts]

    def with_(self, **changes) -> TelegramSettings:
        """A copy with some fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def parse_sessions(text: str | dict | None) -> tuple[TelegramAccount, ...]:
    """Accounts from ``{"name": "<StringSession>"}`` (JSON text or a dict), in name order.

    :raises ValueError: not a JSON object of non-empty strings (the message never quotes a session).
    """
    if not text:
        return ()
    try:
        data = json.loads(text) if isinstance(text, str) else dict(text)
    except (ValueError, TypeError):
        raise ValueError('Telegram sessions must be a JSON object {"account": "<StringSession>"}') from None
    if not isinstance(data, dict):
        raise ValueError('Telegram sessions must be a JSON object {"account": "<StringSession>"}')
    accounts = []
    for name, session in sorted(data.items()):
        if (
            not isinstance(name, str)
            or not name.strip()
            or not isinstance(session, str)
            or not session.strip()
        ):
            raise ValueError(f"Telegram account {name!r}: the name and its session must be non-empty strings")
        accounts.append(TelegramAccount(name.strip(), session.strip()))
    return tuple(accounts)


def from_env() -> TelegramSettings:
    """Settings from the ``GOSPUBLIKI_TG_*`` variables (api id 0 and no accounts when unset)."""
    return TelegramSettings(
        api_id=int(env("GOSPUBLIKI_TG_API_ID", "0")),
        api_hash=env("GOSPUBLIKI_TG_API_HASH", "") or "",
        accounts=parse_sessions(env("GOSPUBLIKI_TG_SESSIONS")),
        resolve_budget=int(env("GOSPUBLIKI_TG_RESOLVE_BUDGET", "30")),
        resolve_interval=float(env("GOSPUBLIKI_TG_RESOLVE_INTERVAL", "2")),
        channel_interval=float(env("GOSPUBLIKI_TG_CHANNEL_INTERVAL", "3")),
        flood_sleep_threshold=int(env("GOSPUBLIKI_TG_FLOOD_SLEEP", "10")),
        request_retries=int(env("GOSPUBLIKI_TG_REQUEST_RETRIES", "3")),
        timeout=float(env("GOSPUBLIKI_TG_TIMEOUT", "30")),
        history_wait=float(env("GOSPUBLIKI_TG_HISTORY_WAIT", "1")),
    )
