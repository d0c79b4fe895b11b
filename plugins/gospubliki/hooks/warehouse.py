"""Thin hook: the warehouse URL from the Airflow connection ``gospubliki_warehouse``.

The same connection feeds Cosmos' dbt profile, so the Python tasks and dbt always write to the
same database.
"""

from __future__ import annotations

from urllib.parse import quote

from airflow.sdk import BaseHook

WAREHOUSE_CONN_ID = "gospubliki_warehouse"


def warehouse_url(conn_id: str = WAREHOUSE_CONN_ID) -> str:
    """``postgresql://user:password@host:port/db`` of the connection (``schema`` = database name)."""
    conn = BaseHook.get_connection(conn_id)
    if not conn.host or not conn.schema:
        raise ValueError(f"connection {conn_id!r} needs host and schema (the database name)")
    auth = quote(conn.login or "", safe="")
    if conn.password:
        auth += ":" + quote(conn.password, safe="")
    return f"postgresql://{auth}@{conn.host}:{conn.port or 5432}/{conn.schema}"
