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


@dataclass(frozen=True)
class Plausibility:
    """Thresholds of the row-level quarantine and of the load-level plausibility checks
    (``warehouse/quarantine.py`` at landing, ``quality/`` at validation). docs/configuration.md
    lists them; each is overridable by its environment variable."""

    max_members: int = 200_000_000  # GOSPUBLIKI_MAX_MEMBERS: a page above this (or < 0) is quarantined
    max_quarantine_share: float = 0.05  # GOSPUBLIKI_MAX_QUARANTINE_SHARE: above it the load fails
    max_pages_read_drop: float = 0.2  # GOSPUBLIKI_MAX_PAGES_READ_DROP: vs the previous validated load
    max_zero_views_share: float = 0.5  # GOSPUBLIKI_MAX_ZERO_VIEWS_SHARE: of the posts that have views
    max_members_change: float = 0.2  # GOSPUBLIKI_MAX_MEMBERS_CHANGE: total subscribers vs the previous load


def plausibility() -> Plausibility:
    """The :class:`Plausibility` thresholds, from the environment where set."""
    default = Plausibility()

    def share(name: str, value: float) -> float:
        out = float(env(name, str(value)))
        if not 0 <= out <= 1:
            raise ValueError(f"{name} must be within [0, 1], got {out}")
        return out

    return Plausibility(
        max_members=int(env("GOSPUBLIKI_MAX_MEMBERS", str(default.max_members))),
        max_quarantine_share=share("GOSPUBLIKI_MAX_QUARANTINE_SHARE", default.max_quarantine_share),
        max_pages_read_drop=share("GOSPUBLIKI_MAX_PAGES_READ_DROP", default.max_pages_read_drop),
        max_zero_views_share=share("GOSPUBLIKI_MAX_ZERO_VIEWS_SHARE", default.max_zero_views_share),
        max_members_change=float(env("GOSPUBLIKI_MAX_MEMBERS_CHANGE", str(default.max_members_change))),
    )
