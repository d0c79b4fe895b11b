"""Thin hook: an Airflow connection -> :class:`gospubliki.clients.vk.VkClient`.

Connection ``vk_default`` (type ``vk``): password = comma-separated tokens, host = API base URL
(optional; may contain ``{snapshot_date}`` for the simulator), extra = ``{"rps": 3, "timeout": 30}``.
Tokens are never logged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from airflow.sdk import BaseHook

from gospubliki.clients import vk_settings
from gospubliki.clients.vk import VkClient, format_base_url


class VkHook(BaseHook):
    """Builds a VK client from an Airflow connection."""

    conn_name_attr = "vk_conn_id"
    default_conn_name = "vk_default"
    conn_type = "vk"
    hook_name = "VK API"

    def __init__(self, vk_conn_id: str = default_conn_name, **kwargs: Any):
        super().__init__(**kwargs)
        self.vk_conn_id = vk_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "login", "port"],
            "relabeling": {"password": "Access tokens (comma-separated)", "host": "API base URL"},
            "placeholders": {"host": vk_settings.VK_REAL_URL, "extra": '{"rps": 3, "timeout": 30}'},
        }

    def get_client(self, snapshot_date: date | None = None) -> VkClient:
        """A client for the connection's tokens; ``snapshot_date`` fills ``{snapshot_date}`` in the URL.

        :raises ValueError: the connection has no tokens.
        """
        conn = self.get_connection(self.vk_conn_id)
        tokens = [t.strip() for t in (conn.password or "").split(",") if t.strip()]
        if not tokens:
            raise ValueError(
                f"connection {self.vk_conn_id!r} has no VK tokens: put them, comma-separated, in its password"
            )
        extra = conn.extra_dejson or {}
        host = conn.host or vk_settings.VK_REAL_URL
        base_url = host if "://" in host else f"https://{host}"
        self.log.info(
            "VK client from connection %r: %d token(s), base URL %s", self.vk_conn_id, len(tokens), base_url
        )
        return VkClient(
            tokens,
            base_url=format_base_url(base_url, snapshot_date),
            rps=float(extra.get("rps", vk_settings.vk_rps())),
            timeout=float(extra.get("timeout", vk_settings.vk_timeout())),
            retries=vk_settings.vk_retries(),
            retry_wait=vk_settings.vk_retry_wait(),
            parallel=int(extra.get("parallel", vk_settings.vk_parallel())),
            wall_first_count=int(extra.get("wall_first_count", vk_settings.vk_wall_first_count())),
        )

    def get_conn(self) -> VkClient:
        """Airflow's generic accessor; the same as :meth:`get_client` without a snapshot date."""
        return self.get_client()
