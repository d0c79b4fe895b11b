"""Thin hook: an Airflow connection -> :class:`gospubliki.clients.ok.OkClient`.

Connection ``ok_default`` (type ``ok``): login = application key, password = access token(s)
(comma-separated), extra = ``{"application_secret_key": "…", "rps": 5, "timeout": 30}``, host = API
base URL (optional; may contain ``{snapshot_date}`` for the simulator). A part missing from the
connection falls back to ``GOSPUBLIKI_OK_APP_KEY`` / ``GOSPUBLIKI_OK_APP_SECRET`` /
``GOSPUBLIKI_OK_TOKEN`` / ``GOSPUBLIKI_OK_API_URL``. Secrets are never logged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from airflow.sdk import BaseHook

from gospubliki.clients import ok_settings
from gospubliki.clients.ok import OkClient, format_base_url


class OkHook(BaseHook):
    """Builds an OK client from an Airflow connection (environment variables fill the gaps)."""

    conn_name_attr = "ok_conn_id"
    default_conn_name = "ok_default"
    conn_type = "ok"
    hook_name = "OK (Одноклассники) API"

    def __init__(self, ok_conn_id: str = default_conn_name, **kwargs: Any):
        super().__init__(**kwargs)
        self.ok_conn_id = ok_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "port"],
            "relabeling": {
                "login": "Application key",
                "password": "Access token(s), comma-separated",
                "host": "API base URL",
            },
            "placeholders": {
                "host": ok_settings.OK_REAL_URL,
                "extra": '{"application_secret_key": "…", "rps": 5, "timeout": 30}',
            },
        }

    def get_client(self, snapshot_date: date | None = None) -> OkClient:
        """A client for the connection's application and tokens; ``snapshot_date`` fills
        ``{snapshot_date}`` in the base URL.

        :raises ValueError: the application key, secret key or token is in neither the
            connection nor the environment.
        """
        conn = self.get_connection(self.ok_conn_id)
        extra = conn.extra_dejson or {}
        env = ok_settings.ok_credentials()
        app_key = (conn.login or "").strip() or env.application_key
        secret = str(extra.get("application_secret_key") or "").strip() or env.application_secret_key
        tokens = ok_settings.split_tokens(conn.password) or env.tokens
        creds = ok_settings.OkCredentials(app_key, secret, tokens)
        if creds.missing:
            raise ValueError(
                f"connection {self.ok_conn_id!r} has no OK {', '.join(creds.missing)}: put the application "
                "key in its login, the access token(s) in its password and application_secret_key in its "
                "extra (or set GOSPUBLIKI_OK_APP_KEY / GOSPUBLIKI_OK_APP_SECRET / GOSPUBLIKI_OK_TOKEN)"
            )
        host = conn.host or ok_settings.ok_api_url()
        base_url = host if "://" in host else f"https://{host}"
        self.log.info(
            "OK client from connection %r: %d token(s), base URL %s",
            self.ok_conn_id,
            len(tokens),
            base_url,
        )
        return OkClient(
            app_key,
            secret,
            tokens,
            base_url=format_base_url(base_url, snapshot_date),
            rps=float(extra.get("rps", ok_settings.ok_rps())),
            timeout=float(extra.get("timeout", ok_settings.ok_timeout())),
            retries=ok_settings.ok_retries(),
            retry_wait=ok_settings.ok_retry_wait(),
            parallel=int(extra.get("parallel", ok_settings.ok_parallel())),
        )

    def get_conn(self) -> OkClient:
        """Airflow's generic accessor; the same as :meth:`get_client` without a snapshot date."""
        return self.get_client()
