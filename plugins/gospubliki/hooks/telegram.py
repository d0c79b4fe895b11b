"""Thin hook: an Airflow connection -> :class:`gospubliki.clients.telegram.settings.TelegramSettings`.

One connection for all accounts, ``telegram_default`` (type ``telegram``):

* ``login`` = the application's ``api_id``, ``password`` = its ``api_hash``;
* ``extra`` = ``{"sessions": {"<account name>": "<StringSession>", …}, "resolve_budget": 30,
  "resolve_interval": 2, "channel_interval": 3, "flood_sleep_threshold": 10}`` — every key optional.

For local demos, ``extra = {"simulator": {"scale": "region", "region": "43", "seed": 1}}`` runs
the extraction against the simulated Telegram of that world (the simulator's accounts and api id;
:meth:`TelegramHook.get_client_factory` then returns its client factory, otherwise ``None``).

Whatever the connection lacks (or the whole connection, when it does not exist) comes from the
environment: ``GOSPUBLIKI_TG_API_ID``, ``GOSPUBLIKI_TG_API_HASH``, ``GOSPUBLIKI_TG_SESSIONS`` (JSON
``{account: session}``) and the other ``GOSPUBLIKI_TG_*`` settings. The api hash and every session
are registered with Airflow's secrets masker, so task logs show ``***`` in their place; only
account names are logged, returned or stored.
"""

from __future__ import annotations

from typing import Any

from airflow.exceptions import AirflowNotFoundException
from airflow.sdk import BaseHook
from airflow.sdk.log import mask_secret

from gospubliki.clients.telegram import settings as tg_settings
from gospubliki.clients.telegram.settings import TelegramSettings
from gospubliki.clients.telegram.telethon_adapter import ClientFactory

_NUMBERS = {
    "resolve_budget": int,
    "resolve_interval": float,
    "channel_interval": float,
    "flood_sleep_threshold": int,
    "request_retries": int,
    "timeout": float,
    "history_wait": float,
}


class TelegramHook(BaseHook):
    """Telegram settings (api id/hash, user-account sessions) from an Airflow connection."""

    conn_name_attr = "telegram_conn_id"
    default_conn_name = "telegram_default"
    conn_type = "telegram"
    hook_name = "Telegram (user accounts)"

    def __init__(self, telegram_conn_id: str = default_conn_name, **kwargs: Any):
        super().__init__(**kwargs)
        self.telegram_conn_id = telegram_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "port", "host"],
            "relabeling": {"login": "api_id", "password": "api_hash"},
            "placeholders": {
                "extra": '{"sessions": {"account-1": "<StringSession>"}, "resolve_budget": 30}',
            },
        }

    def _connection(self):
        if not hasattr(self, "_conn"):
            try:
                self._conn = self.get_connection(self.telegram_conn_id)
            except AirflowNotFoundException:
                self.log.info(
                    "no connection %r: Telegram settings from GOSPUBLIKI_TG_*", self.telegram_conn_id
                )
                self._conn = None
        return self._conn

    def _simulator(self):
        conn = self._connection()
        spec = (conn.extra_dejson or {}).get("simulator") if conn is not None else None
        if not spec:
            return None
        from gospubliki.simulator.telegram_fake import simulator_from_spec

        return simulator_from_spec(spec)

    def get_settings(self) -> TelegramSettings:
        """Settings for :func:`gospubliki.extract.telegram.run_tg_extraction`.

        :raises ValueError: ``login`` is not a number, or ``sessions`` is not ``{name: session}``.
        """
        conn = self._connection()
        simulator = self._simulator()
        base = simulator.settings() if simulator is not None else tg_settings.from_env()
        changes: dict[str, Any] = {}
        if conn is not None:
            extra = conn.extra_dejson or {}
            if conn.login:
                try:
                    changes["api_id"] = int(conn.login)
                except ValueError:
                    raise ValueError(
                        f"connection {self.telegram_conn_id!r}: login must be the numeric api_id"
                    ) from None
            changes["api_hash"] = conn.password or None
            if extra.get("sessions"):
                changes["accounts"] = tg_settings.parse_sessions(extra["sessions"])
            changes.update({k: cast(extra[k]) for k, cast in _NUMBERS.items() if extra.get(k) is not None})
        settings = base.with_(**changes)
        if settings.api_hash:
            mask_secret(settings.api_hash)
        for account in settings.accounts:
            mask_secret(account.session)
        self.log.info(
            "Telegram settings from %s: api_id %s, accounts %s, resolve budget %d per account",
            f"connection {self.telegram_conn_id!r}" if conn is not None else "the environment",
            settings.api_id or "(none)",
            ", ".join(settings.account_names) or "(none)",
            settings.resolve_budget,
        )
        return settings

    def get_client_factory(self, settings: TelegramSettings) -> ClientFactory | None:
        """The simulator's client factory when the connection names one; ``None`` for real Telegram."""
        simulator = self._simulator()
        return simulator.client_factory(settings) if simulator is not None else None

    def get_conn(self) -> TelegramSettings:
        """Airflow's generic accessor; the same as :meth:`get_settings`."""
        return self.get_settings()
