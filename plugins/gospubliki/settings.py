"""Project settings, read from the environment with documented defaults.

Every setting has one place here; docs/configuration.md lists them for users. Nothing is read at
import time except in the functions below, so importing the package never fails for want of a
variable (a rule for DAG files too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def home() -> Path:
    """Folder for everything the project generates locally (git-ignored): warehouse data, logs,
    the Airflow home, reports. ``GOSPUBLIKI_HOME`` overrides it."""
    return Path(env("GOSPUBLIKI_HOME", str(REPO_ROOT / ".gospubliki"))).resolve()


def _flag(name: str) -> bool:
    return (env(name, "") or "").strip().lower() in ("1", "true", "yes", "on")


def snapshot_horizon_days() -> int:
    """How many days back a snapshot date may be for a live API (``gospubliki.dates``)."""
    return int(env("GOSPUBLIKI_SNAPSHOT_HORIZON_DAYS", "2"))


def force_past() -> bool:
    """Collect snapshot dates beyond the horizon from live APIs anyway (their present state)."""
    return _flag("GOSPUBLIKI_FORCE_PAST")


def registry_max_shrink() -> float:
    """Largest share of institutions or pages a registry import may drop without --allow-shrink."""
    return float(env("GOSPUBLIKI_REGISTRY_MAX_SHRINK", "0.2"))


@dataclass(frozen=True)
class LocalWarehouse:
    """The embedded PostgreSQL the project starts itself (when no external URL is set)."""

    host: str = "127.0.0.1"
    port: int = 54329
    user: str = "gospubliki"
    password: str = "gospubliki"
    database: str = "gospubliki"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"


def local_warehouse() -> LocalWarehouse:
    return LocalWarehouse(port=int(env("GOSPUBLIKI_PG_PORT", "54329")))


def external_warehouse_url() -> str | None:
    """``GOSPUBLIKI_WAREHOUSE_URL`` points everything at an existing PostgreSQL instead of the
    embedded one (``postgresql://user:password@host:port/db``)."""
    return env("GOSPUBLIKI_WAREHOUSE_URL")


def warehouse_url() -> str:
    return external_warehouse_url() or local_warehouse().url
