"""Environment for running Airflow locally (CLI demo, tests): no Airflow import here.

Airflow reads its configuration from ``AIRFLOW__…`` variables and connections from
``AIRFLOW_CONN_…`` variables. For local runs the project sets them to: an Airflow home under the
project's git-ignored folder, the repo's ``dags/`` folder, a SQLite metadata database (Airflow's
"development" setup; the compose file uses PostgreSQL), no examples and no telemetry, and
connections for the warehouse and the (simulated) networks. Values already set by the user win.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

from gospubliki import settings

WAREHOUSE_CONN_ID = "gospubliki_warehouse"


def connection_json_from_url(url: str) -> str:
    """An Airflow connection (JSON form) for a ``postgresql://`` URL."""
    parts = urlsplit(url)
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "login": parts.username or "",
            "password": parts.password or "",
            "schema": (parts.path or "/").lstrip("/"),
        }
    )


def airflow_env(extra_connections: dict[str, str] | None = None) -> dict[str, str]:
    """Variables to put in ``os.environ`` before Airflow is imported."""
    home = settings.home() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(settings.REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__ENABLE_CACHE": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "GX_ANALYTICS_ENABLED": "False",
        f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}": connection_json_from_url(settings.warehouse_url()),
    }
    for conn_id, value in (extra_connections or {}).items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = value
    return {k: os.environ.get(k, v) if not k.startswith("AIRFLOW_CONN_") else v for k, v in env.items()}


def apply(extra_connections: dict[str, str] | None = None) -> dict[str, str]:
    env = airflow_env(extra_connections)
    os.environ.update(env)
    return env
