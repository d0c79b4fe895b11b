"""``make superset``: Apache Superset on 127.0.0.1 with the project's dashboards, against the warehouse.

Run with the pipeline's interpreter (``.venv/bin/python bi/superset/launcher.py``): it needs the
project's settings and BI logins (``gospubliki.warehouse.bi_role``). Superset itself runs from its
own environment, ``bi/superset/.venv``, installed from ``bi/superset/uv.lock`` by ``install.sh``
(its pins conflict with Airflow's, so it never shares the pipeline's ``.venv``).

What a start does (every step idempotent, so a restart is the same command):

1. installs Superset's environment when missing or older than its lock;
2. starts the embedded warehouse (unless ``GOSPUBLIKI_WAREHOUSE_URL`` points at another one);
3. gives Superset its own read-only BI login (``gospubliki bi`` mechanism: marts only), password
   kept in the project's secrets folder;
4. prepares the metadata database (SQLite under ``$GOSPUBLIKI_HOME/superset``: a local tool for one
   user; a fresh one starts from a per-machine template, see :func:`metadata_template`), the admin
   user, the secret key (generated once into the secrets folder);
5. starts Superset (gunicorn) and imports the dashboards kept as code in ``bi/superset/assets``
   through Superset's import API, with the BI login's password passed separately (the YAML in the
   repo has none) and ``overwrite``: a restart re-imports the same dashboards in place.

Settings (docs/configuration.md): ``GOSPUBLIKI_SUPERSET_PORT`` (8088), ``GOSPUBLIKI_SUPERSET_ADMIN``
(admin), ``GOSPUBLIKI_SUPERSET_ADMIN_PASSWORD`` (default: generated once, printed at start),
``GOSPUBLIKI_SUPERSET_BI_LOGIN`` (superset).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import yaml

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
ASSETS = HERE / "assets"
DATABASE_FILE = "databases/gospubliki.yaml"
MASKED_PASSWORD = "XXXXXXXXXX"  # what Superset's own export writes instead of a password


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


# ---------------------------------------------------------------- settings
def port() -> int:
    return int(env("GOSPUBLIKI_SUPERSET_PORT", "8088"))


def admin_username() -> str:
    return env("GOSPUBLIKI_SUPERSET_ADMIN", "admin")


def admin_password() -> tuple[str, bool]:
    """``GOSPUBLIKI_SUPERSET_ADMIN_PASSWORD`` (False), else generated once into the secrets folder
    (True: print it)."""
    from gospubliki import settings

    given = env("GOSPUBLIKI_SUPERSET_ADMIN_PASSWORD")
    return (given, False) if given else (settings.secret("superset_admin.password"), True)


def bi_login() -> str:
    return env("GOSPUBLIKI_SUPERSET_BI_LOGIN", "superset")


def superset_home() -> Path:
    from gospubliki import settings

    return settings.home() / "superset"


# ---------------------------------------------------------------- environment
def lock_digest() -> str:
    """Identifies one installation of the environment: its lock."""
    return hashlib.sha256((HERE / "uv.lock").read_bytes()).hexdigest()[:16]


def template_digest() -> str:
    """Identifies a metadata template: the Superset version (its schema and permissions) and the
    script that prepares it."""
    version = next(VENV.glob("lib/python*/site-packages/apache_superset-*.dist-info")).name
    digest = hashlib.sha256(version.encode())
    digest.update((HERE / "init_metadata.py").read_bytes())
    return digest.hexdigest()[:16]


def ensure_env() -> float:
    """Install bi/superset/.venv from its lock when missing or stale; returns the seconds spent."""
    stamp = VENV / ".synced"
    if stamp.exists() and stamp.read_text() == lock_digest():
        return 0.0
    started = time.monotonic()
    subprocess.run([str(HERE / "install.sh")], check=True)
    stamp.write_text(lock_digest())
    return time.monotonic() - started


def superset_env(home: Path, secret_key: str, password: str | None = None) -> dict[str, str]:
    out = dict(os.environ)
    out.update(
        SUPERSET_CONFIG_PATH=str(HERE / "superset_config.py"),
        SUPERSET_SECRET_KEY=secret_key,
        SUPERSET_HOME=str(home),
        GOSPUBLIKI_SUPERSET_METADATA_URL=f"sqlite:///{home / 'superset.db'}",
        FLASK_APP="superset",
        PYTHONUNBUFFERED="1",
    )
    out.pop("PYTHONPATH", None)
    if password is not None:
        out["SUPERSET_ADMIN_PASSWORD"] = password
    return out


def metadata_template(secret_key: str) -> Path:
    """A metadata database with Superset's schema, roles and permissions, made once per machine and
    Superset installation (the slow part of a first start: ~2 min on a busy 2-core machine), in the
    user's cache folder (``$XDG_CACHE_HOME/gospubliki-superset``): CI on a fresh clone and every
    test run copy it instead of building it again. It holds no user and no secret."""
    cache = Path(env("XDG_CACHE_HOME", str(Path.home() / ".cache"))) / "gospubliki-superset"
    template = cache / f"metadata-{template_digest()}.db"
    if template.exists():
        return template
    work = cache / f"build-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run_logged([str(VENV / "bin" / "python"), str(HERE / "init_metadata.py"), "--sync-roles"],
               superset_env(work, secret_key), cache / "template.log")
    os.replace(work / "superset.db", template)  # atomic: a racing build just replaces it
    shutil.rmtree(work, ignore_errors=True)
    for old in cache.glob("metadata-*.db"):  # templates of other Superset versions
        if old != template:
            old.unlink(missing_ok=True)
    return template


def prepare_metadata(home: Path, secret_key: str, admin: str, password: str) -> None:
    """The metadata database (from the template when new) and the admin with ``password``."""
    home.mkdir(parents=True, exist_ok=True)
    database = home / "superset.db"
    if not database.exists():
        shutil.copyfile(metadata_template(secret_key), database)
    run_logged([str(VENV / "bin" / "python"), str(HERE / "init_metadata.py"), "--admin", admin],
               superset_env(home, secret_key, password), home / "superset.log")


def run_logged(command: list[str], environment: dict[str, str], log: Path) -> None:
    """Run a Superset step, its output appended to ``log`` (named when the step fails)."""
    with log.open("ab") as out:
        if subprocess.run(command, env=environment, stdout=out, stderr=subprocess.STDOUT).returncode:
            raise RuntimeError(f"{Path(command[1]).name} failed; see {log}")


# ---------------------------------------------------------------- the BI login
#: gunicorn's threads: at most this many chart queries at once, each on a connection of its own
#: (Superset opens analytics connections without a pool)
THREADS = 8
#: sessions Superset's BI login may hold: one per thread plus two (the import, a health check).
#: A person's BI login keeps bi_role.CONNECTION_LIMIT (5): a dashboard of more charts than that,
#: loaded at once, failed with «too many connections for role»
CONNECTION_LIMIT = THREADS + 2


def ensure_bi_login(name: str, password: str, *, url: str | None = None, admin_url: str | None = None) -> None:
    """Superset's read-only login (created, or given ``password`` again) with its connection
    limit, and the BI grants in the database at ``url``."""
    from gospubliki.warehouse import bi_role

    if any(login.name == name for login in bi_role.list_users(admin_url=admin_url)):
        bi_role.ensure(url, admin_url=admin_url)
        bi_role.rotate_password(name, password, admin_url=admin_url)
        bi_role.set_connection_limit(name, CONNECTION_LIMIT, admin_url=admin_url)
    else:
        bi_role.add_user(name, password, url=url, admin_url=admin_url, connection_limit=CONNECTION_LIMIT)


def database_uri(warehouse_url: str, login: str) -> str:
    """The SQLAlchemy URI of the warehouse for ``login``, password masked (given separately)."""
    parts = urlsplit(warehouse_url)
    return (
        f"postgresql+psycopg2://{login}:{MASKED_PASSWORD}@{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
        f"{parts.path or '/gospubliki'}"
    )


def bundle(warehouse_url: str, login: str, assets: Path = ASSETS) -> bytes:
    """The assets as the ZIP Superset imports, the database pointed at ``warehouse_url``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(assets.rglob("*.yaml")):
            name = path.relative_to(assets).as_posix()
            text = path.read_text(encoding="utf-8")
            if name == DATABASE_FILE:
                database = yaml.safe_load(text)
                database["sqlalchemy_uri"] = database_uri(warehouse_url, login)
                text = yaml.safe_dump(database, allow_unicode=True, sort_keys=False)
            zf.writestr(f"gospubliki/{name}", text)
    return out.getvalue()


# ---------------------------------------------------------------- the server
@dataclass
class Superset:
    url: str
    process: subprocess.Popen | None
    admin: str
    password: str

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def session(self) -> requests.Session:
        """An API session logged in as the admin (JWT plus the CSRF token the import needs)."""
        s = requests.Session()
        token = s.post(
            f"{self.url}/api/v1/security/login",
            json={"username": self.admin, "password": self.password, "provider": "db", "refresh": False},
            timeout=60,
        )
        token.raise_for_status()
        s.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        csrf = s.get(f"{self.url}/api/v1/security/csrf_token/", timeout=60)
        csrf.raise_for_status()
        s.headers.update({"X-CSRFToken": csrf.json()["result"], "Referer": self.url})
        return s

    def import_assets(self, warehouse_url: str, login: str, password: str, assets: Path = ASSETS) -> None:
        response = self.session().post(
            f"{self.url}/api/v1/dashboard/import/",
            files={"formData": ("gospubliki.zip", bundle(warehouse_url, login, assets), "application/zip")},
            data={"overwrite": "true", "passwords": json.dumps({DATABASE_FILE: password})},
            timeout=300,
        )
        if response.status_code != 200:
            raise RuntimeError(f"Superset refused the dashboards ({response.status_code}): {response.text[:2000]}")

    def dashboards(self) -> list[dict]:
        response = self.session().get(f"{self.url}/api/v1/dashboard/", params={"q": "(page_size:100)"}, timeout=60)
        response.raise_for_status()
        return response.json()["result"]


def start_server(home: Path, secret_key: str, listen_port: int, log: Path, *, timeout: float = 600) -> subprocess.Popen:
    """gunicorn with Superset on 127.0.0.1:``listen_port``, once /health answers."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                str(VENV / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{listen_port}",
                "--workers", "1", "--worker-class", "gthread", "--threads", str(THREADS), "--timeout", "180",
                "--limit-request-line", "0", "--limit-request-field_size", "0",
                "superset.app:create_app()",
            ],
            env=superset_env(home, secret_key), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_healthy(process, f"http://127.0.0.1:{listen_port}/health", timeout, log)
    except BaseException:
        process.terminate()
        process.wait(30)
        raise
    return process


def wait_healthy(process: subprocess.Popen, health: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Superset exited with {process.returncode}; see {log}")
        try:
            if requests.get(health, timeout=30).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        time.sleep(0.5)  # polling /health with a deadline, not waiting on time
    raise RuntimeError(f"Superset did not answer within {timeout:.0f} s; see {log}")


def launch(
    *, warehouse_url: str, admin_url: str | None, home: Path, listen_port: int, login: str,
    admin: str, password: str, secret_key: str, login_password: str,
) -> Superset:
    """Everything after the environment: login, metadata, server, dashboards."""
    ensure_bi_login(login, login_password, url=warehouse_url, admin_url=admin_url)
    prepare_metadata(home, secret_key, admin, password)
    process = start_server(home, secret_key, listen_port, home / "superset.log")
    superset = Superset(f"http://127.0.0.1:{listen_port}", process, admin, password)
    try:
        superset.import_assets(warehouse_url, login, login_password)
    except BaseException:
        superset.stop()
        raise
    return superset


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    from gospubliki import settings
    from gospubliki.warehouse import server

    # gunicorn runs in its own session (a Ctrl-C reaches only this process): stop it on SIGTERM too
    signal.signal(signal.SIGTERM, _interrupt)
    spent = ensure_env()
    if spent:
        print(f"superset: installed bi/superset/.venv in {spent:.1f} s", flush=True)
    server.start()
    password, generated = admin_password()
    superset = launch(
        warehouse_url=settings.warehouse_url(), admin_url=settings.admin_url(), home=superset_home(),
        listen_port=port(), login=bi_login(), admin=admin_username(), password=password,
        secret_key=settings.secret("superset_secret_key"), login_password=settings.secret("superset_bi.password"),
    )
    names = ", ".join(d["dashboard_title"] for d in superset.dashboards())
    print(f"Superset: {superset.url}/dashboard/list/  (dashboards: {names})")
    shown = password if generated else "from GOSPUBLIKI_SUPERSET_ADMIN_PASSWORD"
    print(f"log in as {admin_username()} / {shown}; the warehouse is read as BI login {bi_login()}")
    print(f"log: {superset_home() / 'superset.log'}; Ctrl-C stops it", flush=True)
    try:
        return superset.process.wait()
    except KeyboardInterrupt:
        superset.stop()
        return 0


def import_only() -> int:
    """``launcher.py import``: only step 5's import, into a Superset already running at
    ``SUPERSET_URL`` (docker-compose's superset service: bi/superset/compose-start.sh; there the
    BI login is created by airflow-init). Needs only requests and PyYAML, both in Superset's
    environment."""
    superset = Superset(os.environ["SUPERSET_URL"], None, admin_username(), os.environ["SUPERSET_ADMIN_PASSWORD"])
    superset.import_assets(os.environ["SUPERSET_WAREHOUSE_URL"], bi_login(), os.environ["SUPERSET_BI_PASSWORD"])
    print(f"superset: imported {len(superset.dashboards())} dashboards from {ASSETS}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(import_only() if sys.argv[1:] == ["import"] else main())
