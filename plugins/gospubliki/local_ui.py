"""``gospubliki ui``: Airflow on this machine, the way a person uses it — scheduler, dag-processor,
api-server (UI) and triggerer with the LocalExecutor — next to the simulated networks.

What one start does (:class:`LocalUi`):

1. the warehouse: started (or ``GOSPUBLIKI_WAREHOUSE_URL``), schemas applied, and when it holds no
   registry yet, the simulated world's registry imported (what ``make demo`` does first);
2. the simulated VK and OK APIs as a **service**: ``gospubliki simulator serve`` in a process of its
   own on 127.0.0.1 (Telegram is simulated inside the tasks, from the connection's extra);
3. Airflow's metadata DB — the database ``gospubliki_airflow`` on the warehouse's server, the same
   Airflow home and database ``make demo`` and ``gospubliki run`` use, so their runs and task logs
   are listed — migrated, the pools set, and the connections ``gospubliki_warehouse``, ``vk_default``,
   ``ok_default``, ``telegram_default`` **stored in the metadata DB** with Airflow's own
   ``airflow connections import --overwrite`` (visible and editable under Admin → Connections,
   used by every task process — Trigger, Clear and Backfill from the UI find them);
4. the UI login: user ``admin``, password ``GOSPUBLIKI_UI_PASSWORD`` or the one kept in the simple
   auth manager's password file (generated once), printed at every start;
5. Airflow's components — api-server, dag-processor, scheduler, triggerer, LocalExecutor — as
   :class:`gospubliki.airflow_stack.Stack` starts them for ``gospubliki run`` and the tests (each
   a process group of its own, 127.0.0.1 only, no log server), their logs in
   ``GOSPUBLIKI_HOME/airflow/stack-logs/``; ready when ``/api/v2/monitor/health`` reports every
   component healthy; then the weekly reports DAG is unpaused (it waits for its Asset);
   ``gospubliki_daily`` is left paused, see ``UNPAUSE``;
6. Ctrl-C (SIGINT) or SIGTERM: the stack stops its process groups, the simulator stops, and any
   process of the tree still alive after a grace period is killed — nothing is left behind (the
   warehouse keeps running: ``gospubliki warehouse stop``).

Every child runs in a session of its own, so a terminal's Ctrl-C reaches only this process, which
then stops the rest in order.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from gospubliki import airflow_env, settings

USER = "admin"
#: unpaused once parsed: it runs on the rating-week Asset only, so unpausing starts nothing. The
#: daily DAG stays paused (Airflow's default): unpaused, the scheduler at once runs its latest
#: 03:00 Moscow time (catchup=False still runs the latest) — a person decides that in the UI
#: (the toggle, or «Unpause on trigger» in the Trigger dialog)
UNPAUSE = ("gospubliki_weekly_reports",)
#: connections the stack stores in Airflow's metadata DB (an AIRFLOW_CONN_ variable would shadow them)
CONN_IDS = (airflow_env.WAREHOUSE_CONN_ID, "vk_default", "ok_default", "telegram_default")


@dataclass
class UiOptions:
    port: int = 8080
    simulator_port: int = 8765
    scale: str = "region"
    region: str = "43"
    seed: int = 1
    factor: float | None = None  # the simulated region's size (tests shrink it)
    ready_timeout: float = 600.0
    stop_timeout: float = 60.0


def ui_password(airflow_home: Path) -> str:
    """``GOSPUBLIKI_UI_PASSWORD``, else the admin password kept in the simple auth manager's file,
    else a new random one; written to that file (owner-only), which the api-server reads."""
    path = airflow_home / "simple_auth_manager_passwords.json.generated"
    password = settings.env("GOSPUBLIKI_UI_PASSWORD")
    if password is None and path.exists():
        try:
            password = json.loads(path.read_text() or "{}").get(USER)
        except ValueError:
            password = None
    password = password or secrets.token_urlsafe(12)
    airflow_home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps({USER: password}) + "\n")
    path.chmod(0o600)
    return password


def connections(opts: UiOptions) -> dict[str, dict]:
    """The four connections (Airflow's JSON form) pointing at the simulator service and the warehouse."""
    from gospubliki.simulator.connections import simulated_connections, world_spec

    template = f"http://127.0.0.1:{opts.simulator_port}/asof/{{snapshot_date}}"
    conns = {k: json.loads(v) for k, v in simulated_connections(
        template, world_spec(opts.scale, opts.region, opts.seed, opts.factor)).items()}
    conns[airflow_env.WAREHOUSE_CONN_ID] = json.loads(airflow_env.connection_json_from_url(settings.warehouse_url()))
    for conn in conns.values():  # `connections import` takes the extra as a JSON string
        if isinstance(conn.get("extra"), dict):
            conn["extra"] = json.dumps(conn["extra"])
    return conns


def store_connections(conns: dict[str, dict], stack) -> None:
    """``airflow connections import FILE --overwrite``: created or updated in the metadata DB. The
    file holds credentials: owner-only, deleted at once."""
    path = stack.home / ".connections.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(conns, f)
        stack.airflow("connections", "import", str(path), "--overwrite")
    finally:
        path.unlink(missing_ok=True)


def ensure_registry(opts: UiOptions, console) -> None:
    """The warehouse up with its schemas; the simulated world's registry imported when it has none."""
    from gospubliki.warehouse import db, server

    server.start()
    db.apply_schema()
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("select count(*) from registry.pages")
        (pages,) = cur.fetchone()
    if pages:
        console.print(f"[green]✓[/] warehouse: {pages} registry pages")
        return
    from gospubliki.demo import DemoOptions, prepare

    prepare(DemoOptions(scale=opts.scale, region=opts.region, seed=opts.seed, factor=opts.factor, bad_rows=0), console)


class LocalUi:
    """The running stack: ``start()``, ``stop()``; a context manager."""

    def __init__(self, opts: UiOptions | None = None):
        self.opts = opts or UiOptions()
        self.airflow_home = settings.home() / "airflow"
        self.log_dir = settings.home() / "logs" / "ui"
        self.password = ""
        self.stack = None  # airflow_stack.Stack once started
        self._procs: dict[str, subprocess.Popen] = {}
        self._logs: list = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.opts.port}"

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.opts.simulator_port}"

    @property
    def login(self) -> tuple[str, str]:
        return USER, self.password

    # ------------------------------------------------------------------ start
    def make_stack(self):
        """The components with the LocalExecutor on the metadata database ``gospubliki_airflow``
        (created if missing); the connections are the metadata DB's, so no ``AIRFLOW_CONN_``
        variable may shadow them."""
        from gospubliki import airflow_stack

        return airflow_stack.Stack(
            home=self.airflow_home, metadata=airflow_stack.ensure_metadata_db(), api_port=self.opts.port,
            parts=airflow_stack.LOCAL_COMPONENTS,
            extra_env={f"AIRFLOW_CONN_{conn_id.upper()}": None for conn_id in CONN_IDS},
        )

    def start(self, console) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        ensure_registry(self.opts, console)
        self.password = ui_password(self.airflow_home)
        self.print_login(console)
        self._start_simulator()
        self.stack = self.make_stack()
        with console.status("Airflow: metadata DB, pools, connections …"):
            self.stack.migrate()
            store_connections(connections(self.opts), self.stack)
        console.print(f"[green]✓[/] connections in Airflow's metadata DB: {', '.join(CONN_IDS)}")
        with console.status(f"Airflow: starting (logs in {self.stack.log_dir}) …"):
            self.stack.start(timeout=self.opts.ready_timeout, migrate=False)
            self.wait_ready()
            self.unpause(UNPAUSE)
        console.print(f"[green]✓[/] Airflow is ready: [bold]{self.url}[/]")
        console.print("  gospubliki_daily is paused: Trigger it (tick «Unpause on trigger») or unpause it to run daily at "
                      "03:00 Moscow time; gospubliki_weekly_reports (unpaused) follows the Sunday runs' Asset")
        self.print_login(console)

    def print_login(self, console) -> None:
        source = "GOSPUBLIKI_UI_PASSWORD" if settings.env("GOSPUBLIKI_UI_PASSWORD") else (
            f"kept in {self.airflow_home / 'simple_auth_manager_passwords.json.generated'}; "
            "GOSPUBLIKI_UI_PASSWORD sets another")
        console.print(f"  UI {self.url} (127.0.0.1 only) — login [bold]{USER}[/], password [bold]{self.password}[/] ({source})",
                      highlight=False, soft_wrap=True)

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        self._logs.append(log)
        # a session of its own: a terminal's Ctrl-C reaches only `gospubliki ui`, which stops the rest in order
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # its log file shows what happens as it happens
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self._procs[name] = proc
        return proc

    def _start_simulator(self) -> None:
        import httpx

        o = self.opts
        argv = [str(Path(sys.executable).with_name("gospubliki")), "simulator", "serve", "--port", str(o.simulator_port),
                "--scale", o.scale, "--region", o.region, "--seed", str(o.seed)]
        if o.factor is not None:
            argv += ["--factor", str(o.factor)]
        proc = self._spawn("simulator", argv)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the simulator exited ({proc.returncode}); see {self.log_dir / 'simulator.log'}")
            try:
                httpx.get(f"{self.simulator_url}/_sim/stats", timeout=2).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.5)
        raise RuntimeError(f"the simulator did not answer on {self.simulator_url}")

    def wait_ready(self) -> None:
        """Until the health endpoint reports the scheduler, dag-processor and triggerer healthy."""
        import httpx

        def healthy() -> bool:
            try:
                health = httpx.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
            except (httpx.HTTPError, ValueError):
                return False
            parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
            return all((health.get(p) or {}).get("status") == "healthy" for p in parts)

        self.stack.wait_until(healthy, self.opts.ready_timeout, "every Airflow component reports healthy", interval=1)

    def client(self):
        """An ``httpx.Client`` on the REST API, logged in as the admin (a JWT from ``/auth/token``)."""
        import httpx

        token = httpx.post(f"{self.url}/auth/token", json={"username": USER, "password": self.password}, timeout=180)
        token.raise_for_status()
        return httpx.Client(base_url=f"{self.url}/api/v2", timeout=180,
                            headers={"Authorization": f"Bearer {token.json()['access_token']}"})

    def unpause(self, dag_ids, timeout: float = 300) -> None:
        """Once the dag-processor has stored them: ``is_paused = false``."""
        deadline = time.monotonic() + timeout
        with self.client() as api:
            for dag_id in dag_ids:
                while api.get(f"/dags/{dag_id}").status_code == 404:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"DAG {dag_id} was not parsed in {timeout:.0f}s; see {self.log_dir / 'airflow.log'}")
                    time.sleep(1)
                api.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    # ------------------------------------------------------------------ run and stop
    def _running(self) -> bool:
        components = [c.proc for c in self.stack.components] if self.stack else []
        return all(p.poll() is None for p in [*self._procs.values(), *components])

    def wait(self) -> int:
        """Until Ctrl-C / SIGTERM (0) or until a component exits on its own (1)."""
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            while self._running():
                time.sleep(1)
            return 1
        except KeyboardInterrupt:
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)

    def stop(self) -> None:
        """Airflow first (every component's process group, then task processes that left it), then
        the simulator; whatever of the process tree still runs after the grace period is killed."""
        import psutil

        from gospubliki.airflow_stack import end_processes

        tree: list[psutil.Process] = []
        for proc in self._procs.values():
            try:
                parent = psutil.Process(proc.pid)
                tree += [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        if self.stack is not None:
            self.stack.stop(timeout=self.opts.stop_timeout)
        proc = self._procs.get("simulator")
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=self.opts.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        end_processes(tree, grace=10)
        self._procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def __enter__(self) -> LocalUi:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def listen_for_ctrl_c() -> None:
    """Make SIGINT raise KeyboardInterrupt in this process whatever it inherited. A signal's
    «ignore» disposition and the blocked-signals mask survive ``exec``: started from a process that
    ignores or blocks SIGINT (a background job of a non-interactive shell, some supervisors, a test
    runner's worker), Python installs no handler and Ctrl-C would leave the UI and everything it
    started running — which a CI run saw (``test_ctrl_c_stops_every_process_it_started``)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def run_ui(opts: UiOptions, console) -> int:
    """``gospubliki ui``: start, serve until Ctrl-C, stop everything."""
    listen_for_ctrl_c()
    ui = LocalUi(opts)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        ui.start(console)
        signal.signal(signal.SIGTERM, previous)
        console.print(f"  simulated VK and OK APIs: {ui.simulator_url}; Telegram: simulated inside the tasks")
        console.print(f"  logs: {ui.stack.log_dir}/ (one per component), {ui.log_dir}/simulator.log; "
                      f"task logs in the UI and under {ui.airflow_home / 'logs'}")
        console.print("  Ctrl-C stops Airflow and the simulator (the warehouse keeps running: gospubliki warehouse stop)")
        code = ui.wait()
        if code:
            console.print(f"[red]a component exited on its own[/]; see {ui.log_dir}")
        return code
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        console.print("stopping Airflow and the simulator …")
        ui.stop()
        console.print("stopped")
