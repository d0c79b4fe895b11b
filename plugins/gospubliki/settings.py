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


def airflow_database() -> str:
    """The local Airflow's metadata database on the warehouse's server (``airflow_stack``)."""
    return env("GOSPUBLIKI_AIRFLOW_DATABASE", "gospubliki_airflow")


def ui_timezone() -> str:
    """The zone the Airflow UI shows times in until a person picks another (``airflow_plugin``)."""
    return env("GOSPUBLIKI_UI_TIMEZONE", "Europe/Moscow")


def registry_max_shrink() -> float:
    """Largest share of institutions or pages a registry import may drop without --allow-shrink."""
    return float(env("GOSPUBLIKI_REGISTRY_MAX_SHRINK", "0.2"))


def chromium_path() -> Path:
    """The Chromium binary that prints the region reports to PDF (headless, driven by Playwright;
    Debian's ``chromium`` package). ``GOSPUBLIKI_CHROMIUM`` overrides it."""
    return Path(env("GOSPUBLIKI_CHROMIUM", "/usr/bin/chromium"))


def secrets_dir() -> Path:
    """Generated secrets of the local installation (mode 0700; each file 0600, owner only)."""
    return home() / "secrets"


def secret(name: str) -> str:
    """The secret kept in ``secrets_dir()/name``; generated (random, URL-safe) on first use.

    Written whole to a private temporary file (mode 0600) and then hard-linked to its name, so it
    is never readable by another user, never seen half-written, and two processes racing to
    create it end up with the same value (the second link fails and that process reads the first)."""
    import secrets as _secrets
    import tempfile

    folder = secrets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / name
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")  # mkstemp: mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(_secrets.token_urlsafe(24) + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def replace_secret(name: str) -> str:
    """Write a new random value for ``name`` (rotation); returns it."""
    import secrets as _secrets

    path = secrets_dir() / name
    tmp = path.with_suffix(".new")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(_secrets.token_urlsafe(24) + "\n")
    tmp.replace(path)
    return path.read_text().strip()


#: the superuser password of warehouses created before random passwords (migrated on next start)
LEGACY_ADMIN_PASSWORD = "gospubliki"


@dataclass(frozen=True)
class LocalWarehouse:
    """The embedded PostgreSQL the project starts itself (when no external URL is set).

    Two roles (docs/security.md): ``admin_user``, the cluster's superuser, used only by
    ``warehouse start`` to create roles and databases and by ``bi`` to manage BI logins; and
    ``user``, the non-superuser owner of the project's database that everything else runs as.
    Both passwords are random, generated at first start into ``secrets_dir()``."""

    host: str = "127.0.0.1"
    port: int = 54329
    admin_user: str = "gospubliki"
    user: str = "gospubliki_owner"
    database: str = "gospubliki"

    @property
    def password(self) -> str:
        return secret("warehouse_owner.password")

    @property
    def admin_password(self) -> str:
        return secret("warehouse_admin.password")

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    @property
    def admin_url(self) -> str:
        return f"postgresql://{self.admin_user}:{self.admin_password}@{self.host}:{self.port}/{self.database}"


def local_warehouse() -> LocalWarehouse:
    return LocalWarehouse(port=int(env("GOSPUBLIKI_PG_PORT", "54329")))


def external_warehouse_url() -> str | None:
    """``GOSPUBLIKI_WAREHOUSE_URL`` points everything at an existing PostgreSQL instead of the
    embedded one (``postgresql://user:password@host:port/db``): the pipeline's (owner) role."""
    return env("GOSPUBLIKI_WAREHOUSE_URL")


def warehouse_url() -> str:
    """The pipeline's URL: a non-superuser role owning the project's database."""
    return external_warehouse_url() or local_warehouse().url


def admin_url() -> str:
    """A role that may create roles (BI logins) and revoke large-object functions: the embedded
    server's superuser, or ``GOSPUBLIKI_WAREHOUSE_ADMIN_URL`` on an external server (when unset,
    the pipeline's own URL, which then needs CREATEROLE for ``gospubliki bi``)."""
    if external_warehouse_url():
        return env("GOSPUBLIKI_WAREHOUSE_ADMIN_URL") or external_warehouse_url()
    return local_warehouse().admin_url


MAX_INTEGER = 2**31 - 1  # PostgreSQL's integer


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

    # the marts store subscribers as integer (fct_page_daily: 4 bytes a page-day, issue #10): a
    # page above the cap is quarantined, so the cap must fit the type
    max_members = int(env("GOSPUBLIKI_MAX_MEMBERS", str(default.max_members)))
    if not 0 <= max_members <= MAX_INTEGER:
        raise ValueError(f"GOSPUBLIKI_MAX_MEMBERS must be within [0, {MAX_INTEGER}], got {max_members}")

    return Plausibility(
        max_members=max_members,
        max_quarantine_share=share("GOSPUBLIKI_MAX_QUARANTINE_SHARE", default.max_quarantine_share),
        max_pages_read_drop=share("GOSPUBLIKI_MAX_PAGES_READ_DROP", default.max_pages_read_drop),
        max_zero_views_share=share("GOSPUBLIKI_MAX_ZERO_VIEWS_SHARE", default.max_zero_views_share),
        max_members_change=float(env("GOSPUBLIKI_MAX_MEMBERS_CHANGE", str(default.max_members_change))),
    )


@dataclass(frozen=True)
class Alerts:
    """Where failure, retry, deadline and data alerts go (``orchestration/alerts.py``); each
    channel is on only when configured: e-mail needs recipients and the SMTP connection, Telegram
    its bot connection. docs/configuration.md («Alerts») lists the variables."""

    email_to: tuple[str, ...] = ()  # GOSPUBLIKI_ALERT_EMAIL_TO: comma-separated; empty = no e-mail
    email_from: str | None = None  # GOSPUBLIKI_ALERT_EMAIL_FROM: else the connection's from_email
    smtp_conn_id: str = "smtp_default"  # GOSPUBLIKI_ALERT_SMTP_CONN_ID
    telegram_conn_id: str = "gospubliki_alerts_telegram"  # GOSPUBLIKI_ALERT_TELEGRAM_CONN_ID
    daily_deadline: str | None = "09:00"  # GOSPUBLIKI_DAILY_DEADLINE: Moscow time the daily run must be
    # done by; "off": no deadline (what `airflow dags test` runs need, see orchestration/runner.py)
    digest_examples: int = 3  # GOSPUBLIKI_ALERT_DIGEST_EXAMPLES: example pages per kind in a digest
    ui_url: str | None = None  # GOSPUBLIKI_ALERT_UI_URL: Airflow UI base for log links ([api] base_url)


def alerts() -> Alerts:
    """The :class:`Alerts` configuration, from the environment where set."""
    default = Alerts()
    to = tuple(a.strip() for a in (env("GOSPUBLIKI_ALERT_EMAIL_TO", "") or "").split(",") if a.strip())
    deadline = env("GOSPUBLIKI_DAILY_DEADLINE", default.daily_deadline) or default.daily_deadline
    hours, _, minutes = deadline.partition(":")
    if deadline.strip().lower() == "off":
        deadline = None
    elif not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ValueError(f"GOSPUBLIKI_DAILY_DEADLINE must be HH:MM (Moscow time) or off, got {deadline!r}")
    return Alerts(
        email_to=to,
        email_from=env("GOSPUBLIKI_ALERT_EMAIL_FROM"),
        smtp_conn_id=env("GOSPUBLIKI_ALERT_SMTP_CONN_ID", default.smtp_conn_id) or default.smtp_conn_id,
        telegram_conn_id=env("GOSPUBLIKI_ALERT_TELEGRAM_CONN_ID", default.telegram_conn_id)
        or default.telegram_conn_id,
        daily_deadline=f"{int(hours):02d}:{int(minutes):02d}" if deadline else None,
        digest_examples=int(env("GOSPUBLIKI_ALERT_DIGEST_EXAMPLES", str(default.digest_examples))),
        ui_url=env("GOSPUBLIKI_ALERT_UI_URL"),
    )


def task_retries() -> tuple[int, float]:
    """Retries of every DAG task and the first retry delay in seconds (it doubles each retry):
    ``GOSPUBLIKI_TASK_RETRIES`` (2) and ``GOSPUBLIKI_TASK_RETRY_DELAY`` (300). Read when the DAG
    files are parsed."""
    return int(env("GOSPUBLIKI_TASK_RETRIES", "2")), float(env("GOSPUBLIKI_TASK_RETRY_DELAY", "300"))
