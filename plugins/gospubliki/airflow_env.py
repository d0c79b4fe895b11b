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
from pathlib import Path
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


def airflow_env(extra_connections: dict[str, str] | None = None, airflow_home: Path | None = None) -> dict[str, str]:
    """Variables to put in ``os.environ`` before Airflow is imported."""
    home = airflow_home or settings.home() / "airflow"
    api_port = os.environ.get("AIRFLOW__API__PORT", "8080")
    (home / "openlineage").mkdir(parents=True, exist_ok=True)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        # the UI/API on this machine only (docs/security.md); tasks reach the execution API there
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        # a task's calls to the execution API (the api-server): Airflow's 5 s default times out on a
        # busy small machine (httpcore.ReadTimeout, the task fails before it starts)
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__ENABLE_CACHE": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_ANALYTICS": "false",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "GX_ANALYTICS_ENABLED": "False",
        # plain, quiet task logs: no colour codes from dbt or Airflow in log files, no warning about
        # an unset OpenLineage namespace (cosmos reads it) or the missing graphviz (DAG rendering,
        # unused here)
        "DBT_USE_COLORS": "False",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "gospubliki",
        # OpenLineage (the provider is installed): every run's lineage events, one JSON per line,
        # into the Airflow home — a file transport needs no server and prints no "no transport"
        # warning; docs/configuration.md shows how to point it at Marquez or turn it off
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(home / "openlineage" / "events.jsonl"), "append": True}
        ),
        # the DAGs' timetables name Europe/Moscow themselves; this makes naive dates typed into the
        # CLI (`airflow dags trigger --logical-date`, `backfill create --from-date`) Moscow dates too
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/Moscow",
        "PYTHONWARNINGS": "ignore:Could not import graphviz",
        f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}": connection_json_from_url(settings.warehouse_url()),
    }
    for conn_id, value in (extra_connections or {}).items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = value
    return env


def migrate_metadata_db() -> None:
    """``airflow db migrate`` (idempotent; seconds on SQLite) and the API pools, in a subprocess so
    the caller's process has not imported Airflow with a half-made configuration."""
    import subprocess
    import sys
    import tempfile

    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True, text=True)
    # one `pools import` (create or update each): an Airflow CLI start costs seconds
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump({name: {"slots": slots, "description": d} for name, slots, d in POOLS}, f)
        f.flush()
        subprocess.run([airflow, "pools", "import", f.name], check=True, capture_output=True)


#: API pools: one slot per credential keeps a network's rate limits (docs/operations.md)
POOLS = [
    ("vk_api", 4, "VK API: one slot per token"),
    ("ok_api", 2, "OK API"),
    ("telegram_api", 2, "Telegram: one slot per account"),
]


def airflow_argv(args: list[str]) -> list[str]:
    """The command line of ``gospubliki airflow ARGS``: Airflow's CLI, except ``standalone``, which
    runs through ``gospubliki.airflow_standalone`` (no log server on 0.0.0.0)."""
    import sys

    if args[:1] == ["standalone"]:
        return [sys.executable, "-m", "gospubliki.airflow_standalone", *args[1:]]
    return [str(Path(sys.executable).with_name("airflow")), *args]


def apply(extra_connections: dict[str, str] | None = None, airflow_home: Path | None = None) -> dict[str, str]:
    env = airflow_env(extra_connections, airflow_home)
    os.environ.update(env)
    return env
