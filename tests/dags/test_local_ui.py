"""``gospubliki ui`` as a person uses it (issue 9, item 3; Assets of item 6): the real command is
started once for the module — its own GOSPUBLIKI_HOME (Airflow home), its own metadata database on
the test server, free ports, its own simulator service, a fresh warehouse database with a small
simulated registry — then a run of the daily DAG for a past Sunday is triggered through the REST
API like the UI's Trigger button does, the scheduler runs it with the LocalExecutor, the Asset
events it records trigger the weekly reports DAG, and headless Chromium logs in and reads a task
log in the UI. A backfill made from the command line (what ``make demo`` and ``gospubliki run``
do) runs on the UI's scheduler and shows there with its task logs. Ctrl-C (SIGINT) must stop the
whole process tree."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import httpx
import psutil
import psycopg2
import pytest
from localports import free_port

from gospubliki.dates import MOSCOW
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.simulator.registry import write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import build_world
from gospubliki.warehouse.privileges import with_database

pytestmark = pytest.mark.integration

GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))
SUNDAY = date(2026, 11, 22)
FACTOR, SEED = 0.3, 5
SCREENSHOT = Path(__file__).resolve().parents[2] / ".gospubliki" / "screenshots" / "airflow-task-log.png"  # git-ignored


def _wait(what: str, check, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None):
    """Poll ``check()`` until it returns something truthy (readiness, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"`gospubliki ui` exited ({proc.returncode}) while waiting for {what}; see {log}")
        result = check()
        if result:
            return result
        time.sleep(2)
    pytest.fail(f"no {what} within {timeout:.0f}s; see {log}")


def _tree(pid: int) -> list[psutil.Process]:
    parent = psutil.Process(pid)
    return [parent, *parent.children(recursive=True)]


def _sigint_ignored_and_blocked() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _signal_state(pid: int) -> str:
    """The kernel's view of a process's signals and where it sleeps: what a hang on Ctrl-C needs."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError as exc:
        return str(exc)
    return " ".join(line.replace("\t", "") for line in status if line.startswith(("State", "Sig"))) + f" wchan={wchan}"


def _sigint_handled(pid: int) -> bool:
    """SIGINT (bit 1 of the masks) caught, neither ignored nor blocked."""
    masks = dict(line.split(":\t") for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                 if line.startswith(("SigBlk", "SigIgn", "SigCgt")))
    bit = 1 << (signal.SIGINT - 1)
    return (bool(int(masks["SigCgt"], 16) & bit) and not int(masks["SigIgn"], 16) & bit
            and not int(masks["SigBlk"], 16) & bit)


@pytest.fixture(scope="module")
def stack(module_db, local_airflow_env, tmp_path_factory):
    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("ui")
    world = build_world(Scale.from_name("region", region="43", factor=FACTOR), seed=SEED)
    registry_csv = tmp / "registry.csv"
    write_registry_csv(registry_csv, world)
    load_reference(module_db)
    import_registry(registry_csv, url=module_db)

    port, sim_port = free_port(), free_port()
    password = secrets.token_urlsafe(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update({**local_airflow_env(module_db), "GOSPUBLIKI_UI_PASSWORD": password})
    home = Path(env["GOSPUBLIKI_HOME"])
    out = tmp / "ui.out"
    with out.open("w") as fh:
        proc = subprocess.Popen(
            [GOSPUBLIKI, "ui", "--port", str(port), "--simulator-port", str(sim_port),
             "--seed", str(SEED), "--factor", str(FACTOR)],
            stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            # started as a background job or by a supervisor may be: SIGINT ignored and blocked
            # (both survive exec); Ctrl-C must still stop the UI (local_ui.listen_for_ctrl_c)
            preexec_fn=_sigint_ignored_and_blocked,
        )
    url = f"http://127.0.0.1:{port}"
    info = {"proc": proc, "out": out, "url": url, "password": password, "port": port, "sim_port": sim_port,
            "db": module_db, "home": home, "tmp": tmp, "env": env}
    try:
        _wait("«Airflow is ready»", lambda: "Airflow is ready" in out.read_text(), 1500, proc, out)
        info["ready_seconds"] = time.monotonic() - started
        info["tree"] = _tree(proc.pid)
        token = httpx.post(f"{url}/auth/token", json={"username": "admin", "password": password}, timeout=30)
        token.raise_for_status()
        info["api"] = httpx.Client(base_url=f"{url}/api/v2", timeout=180,
                                   headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        yield info
    finally:
        if proc.poll() is None:
            tree = _tree(proc.pid)
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=180)
            except subprocess.TimeoutExpired:
                pass
            for p in tree:
                try:
                    p.kill()
                except psutil.NoSuchProcess:
                    pass
        print(f"\nlocal UI module: {time.monotonic() - started:.0f}s in all; ready after {info.get('ready_seconds', 0):.0f}s")


def latest_slot() -> datetime:
    """The latest 03:00 Moscow time: the run the scheduler creates when the DAG is unpaused."""
    now = datetime.now(MOSCOW)
    slot = datetime.combine(now.date(), dtime(3, 0), tzinfo=MOSCOW)
    return slot if slot <= now else slot - timedelta(days=1)


@pytest.fixture(scope="module")
def daily_run(stack):
    """A run of Sunday triggered as the UI's «Trigger DAG w/ config» does, with «Unpause on
    trigger»; it takes the latest 03:00 slot, so unpausing makes the scheduler create no second
    run there (it skips a logical date that has a run). Finished; its task instances."""
    api = stack["api"]
    triggered = datetime.now().astimezone()
    resp = api.post("/dags/gospubliki_daily/dagRuns",
                    json={"logical_date": latest_slot().isoformat(), "conf": {"snapshot_date": SUNDAY.isoformat()}})
    assert resp.status_code == 200, resp.text
    run_id = resp.json()["dag_run_id"]
    api.patch("/dags/gospubliki_daily", json={"is_paused": False}).raise_for_status()

    def finished():
        try:
            run = api.get(f"/dags/gospubliki_daily/dagRuns/{run_id}").json()
        except httpx.TimeoutException:  # a busy machine: the api-server answers late, ask again
            return None
        return run if run["state"] in ("success", "failed") else None

    run = _wait("finished daily run", finished, 1200, stack["proc"], stack["home"] / "airflow" / "stack-logs")
    tis = api.get(f"/dags/gospubliki_daily/dagRuns/{run_id}/taskInstances").json()["task_instances"]
    print("\ntask → state → duration (s) → hostname")
    for ti in sorted(tis, key=lambda t: t["start_date"] or ""):
        print(f"  {ti['task_id']:24} {ti['state']:10} {ti['duration'] or 0:7.1f}  {ti['hostname']}")
    runs = api.get("/dags/gospubliki_daily/dagRuns").json()["dag_runs"]
    return {"run_id": run_id, "run": run, "tis": {t["task_id"]: t for t in tis}, "triggered": triggered,
            "runs": [r["dag_run_id"] for r in runs]}


def test_the_connections_are_stored_in_airflows_metadata_db(stack):
    conns = stack["api"].get("/connections", params={"limit": 100}).json()["connections"]
    by_id = {c["connection_id"]: c for c in conns}
    assert set(by_id) >= {"gospubliki_warehouse", "vk_default", "ok_default", "telegram_default"}
    assert by_id["vk_default"]["host"] == f"http://127.0.0.1:{stack['sim_port']}/asof/{{snapshot_date}}"
    assert by_id["gospubliki_warehouse"]["schema"] == stack["db"].rsplit("/", 1)[1]
    # …in the PostgreSQL metadata database the demo, `gospubliki run` and `gospubliki airflow` use
    metadata = with_database(stack["env"]["GOSPUBLIKI_WAREHOUSE_ADMIN_URL"], stack["env"]["GOSPUBLIKI_AIRFLOW_DATABASE"])
    with psycopg2.connect(metadata) as conn, conn.cursor() as cur:
        cur.execute("select conn_id from connection order by conn_id")
        assert {r[0] for r in cur.fetchall()} >= {"gospubliki_warehouse", "vk_default", "ok_default", "telegram_default"}
    assert not (stack["home"] / "airflow" / "airflow.db").exists()  # no SQLite beside it
    # the login is printed at start, and only 127.0.0.1 is listened on
    text = stack["out"].read_text()
    assert f"login admin, password {stack['password']}" in text
    listening = {c.laddr for p in stack["tree"] if p.is_running()
                 for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN}
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
    assert {stack["port"], stack["sim_port"]} <= {addr.port for addr in listening}


def test_a_triggered_run_succeeds_with_real_durations_and_task_logs(stack, daily_run):
    api, run_id, tis = stack["api"], daily_run["run_id"], daily_run["tis"]
    assert daily_run["run"]["state"] == "success", {t: ti["state"] for t, ti in tis.items()}
    assert daily_run["runs"] == [run_id]  # unpausing created no scheduled run beside it
    assert tis["rating_week_complete"]["state"] == "success"  # a Sunday closes its week
    # the run started when it was triggered, not at its logical date a week ago (the `dags test` bug)
    started = datetime.fromisoformat(daily_run["run"]["start_date"])
    assert started >= daily_run["triggered"].replace(microsecond=0)
    # (all_networks_validated, an EmptyOperator, is marked success by the scheduler: duration 0)
    assert all(0 <= ti["duration"] < 1800 for ti in tis.values() if ti["state"] == "success")
    assert tis["extract_vk"]["duration"] > 0
    # the task log, as the UI reads it: the load id the extraction returned
    with psycopg2.connect(stack["db"]) as conn, conn.cursor() as cur:
        cur.execute("select load_id, rows from raw.loads where source = 'vk' and snapshot_date = %s", (SUNDAY,))
        ((load_id, rows),) = cur.fetchall()
    log = api.get(f"/dags/gospubliki_daily/dagRuns/{run_id}/taskInstances/extract_vk/logs/1",
                  headers={"Accept": "application/json"}).text
    assert f"Returned value was: {load_id}" in log
    # OpenLineage writes its events through the file transport: info lines only, no warning
    assert not [line for line in log.splitlines() if "openlineage" in line.lower() and "warn" in line.lower()]
    stack["load_id"], stack["rows"] = load_id, rows


def test_the_daily_run_records_asset_events_that_trigger_the_weekly_reports(stack, daily_run):
    api = stack["api"]
    events = api.get("/assets/events", params={"source_dag_id": "gospubliki_daily", "limit": 100}).json()["asset_events"]
    uris = sorted(e["uri"] for e in events if e["source_run_id"] == daily_run["run_id"])
    from gospubliki.orchestration.assets import mart_names

    assert uris == sorted([f"gospubliki://marts/{m}" for m in mart_names()] + ["gospubliki://marts/municipality_rating/week"])
    assert all(e["extra"]["snapshot_date"] == SUNDAY.isoformat() for e in events if e["source_run_id"] == daily_run["run_id"])

    def weekly_done():
        try:
            runs = api.get("/dags/gospubliki_weekly_reports/dagRuns").json()["dag_runs"]
        except httpx.TimeoutException:
            return None
        done = [r for r in runs if r["state"] in ("success", "failed")]
        return done[0] if done else None

    weekly = _wait("weekly run triggered by the Asset", weekly_done, 600, stack["proc"], stack["out"])
    assert weekly["state"] == "success" and weekly["run_type"] == "asset_triggered"
    files = sorted((stack["home"] / "reports" / "rating" / "2026-W47").rglob("*.*"))
    assert {f.suffix for f in files} == {".xlsx", ".csv", ".html", ".png"}


# The log view renders only the lines in its viewport (a virtualised list): a line further down
# exists in the page only once the list is scrolled to it.
_SCROLL_LOG_TO_END = """() => {
  const list = document.querySelector('[data-testid=virtualized-list]');
  if (!list) return false;
  for (let el = list; el; el = el.parentElement) {
    if (el.scrollHeight > el.clientHeight + 1 && getComputedStyle(el).overflowY !== 'visible') {
      el.scrollTop = el.scrollHeight;
    }
  }
  window.scrollTo(0, document.body.scrollHeight);
  return true;
}"""


def _find_in_log(page, text: str, shot: Path, timeout: float = 180) -> None:
    """Wait until ``text`` is shown in the task log, scrolling the log to its end while waiting."""
    line = page.get_by_text(text).first
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if line.is_visible():
            return
        page.evaluate(_SCROLL_LOG_TO_END)
        try:
            line.wait_for(timeout=3_000)
            return
        except Exception:  # playwright's TimeoutError: not there yet, scroll and look again
            pass
    page.screenshot(path=str(shot), full_page=True)
    shown = page.evaluate("document.body.innerText")
    pytest.fail(f"«{text}» not shown in the log view at {page.url} within {timeout:.0f}s; "
                f"screenshot {shot}; page text ends: {shown[-1500:]!r}")


def test_the_ui_shows_the_task_log_in_moscow_time(stack, daily_run):
    from browser import chromium_page
    from playwright.sync_api import Error as PlaywrightError

    run_id = daily_run["run_id"]
    with psycopg2.connect(stack["db"]) as conn, conn.cursor() as cur:
        cur.execute("select load_id from raw.loads where source = 'vk' and snapshot_date = %s", (SUNDAY,))
        ((load_id,),) = cur.fetchall()
    with chromium_page(timezone_id="UTC") as page:  # the browser's own zone is not Moscow: the UI's default is
        page.goto(stack["url"], wait_until="networkidle")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", stack["password"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{stack['url']}/**", timeout=60_000)
        task_page = f"{stack['url']}/dags/gospubliki_daily/runs/{run_id}/tasks/extract_vk"
        for attempt in range(3):  # the SPA may still be redirecting after the login: net::ERR_ABORTED
            try:
                page.goto(task_page, wait_until="domcontentloaded")
                break
            except PlaywrightError:
                if attempt == 2:
                    raise
                page.wait_for_load_state("networkidle")
        _find_in_log(page, f"Returned value was: {load_id}", stack["tmp"] / "task-log-missing.png")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(stack["tmp"] / "task-log.png"))
        page.screenshot(path=str(SCREENSHOT), type="png")
        zone = page.evaluate("localStorage.getItem('timezone')")
        shown = page.eval_on_selector_all(
            "time[data-testid=time-display]", "els => els.map(e => [e.getAttribute('datetime'), e.textContent])")
    assert zone == '"Europe/Moscow"'
    # every time on the page is the Moscow wall-clock time of its instant (UTC + 3 h)
    assert shown, "no time shown on the task page"
    for instant, text in shown:
        moscow = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(MOSCOW)
        assert text == moscow.strftime("%Y-%m-%d %H:%M:%S"), (instant, text)
    print(f"\ntimes shown (instant → text): {shown[:3]}; screenshot {SCREENSHOT}")


def test_a_backfill_from_the_command_line_runs_on_the_uis_scheduler_with_task_logs(stack, daily_run):
    """What `make demo` and `gospubliki run` do (airflow_stack.backfill): with the UI up, the run
    is executed by the UI's scheduler and shows in the UI with real durations and task logs
    (issue 9: the demo's `dags test` runs had empty logs and durations of a day)."""
    api = stack["api"]
    saturday = SUNDAY - timedelta(days=1)
    invoked = datetime.now().astimezone()
    cli = subprocess.run([GOSPUBLIKI, "run", "--start", saturday.isoformat()], env=stack["env"],
                         capture_output=True, text=True, timeout=1500)
    assert cli.returncode == 0, cli.stdout[-3000:] + cli.stderr[-3000:]
    assert f"{saturday}: success" in cli.stdout
    assert "the running scheduler" in cli.stdout  # no temporary stack beside the UI's
    runs = api.get("/dags/gospubliki_daily/dagRuns", params={"run_type": "backfill"}).json()["dag_runs"]
    (run,) = runs
    assert run["state"] == "success"
    assert datetime.fromisoformat(run["start_date"]) >= invoked.replace(microsecond=0)
    tis = {t["task_id"]: t for t in api.get(
        f"/dags/gospubliki_daily/dagRuns/{run['dag_run_id']}/taskInstances").json()["task_instances"]}
    assert 0 < tis["extract_vk"]["duration"] < 1800
    with psycopg2.connect(stack["db"]) as conn, conn.cursor() as cur:
        cur.execute("select load_id from raw.loads where source = 'vk' and snapshot_date = %s and status = 'validated'",
                    (saturday,))
        ((load_id,),) = cur.fetchall()
    log = api.get(f"/dags/gospubliki_daily/dagRuns/{run['dag_run_id']}/taskInstances/extract_vk/logs/1",
                  headers={"Accept": "application/json"}).text
    assert f"Returned value was: {load_id}" in log


def test_ctrl_c_stops_every_process_it_started(stack):
    proc, tree = stack["proc"], _tree(stack["proc"].pid)
    assert len(tree) >= 6  # ui, simulator, standalone and its scheduler, dag-processor, api-server, triggerer
    # started with SIGINT ignored and blocked (the fixture): the UI catches it all the same
    assert _sigint_handled(proc.pid), _signal_state(proc.pid)
    proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(timeout=240) == 0
    except subprocess.TimeoutExpired:
        pytest.fail(f"gospubliki ui still runs 240 s after Ctrl-C: {_signal_state(proc.pid)}")
    _, alive = psutil.wait_procs(tree, timeout=30)
    assert alive == [], [(p.pid, p.cmdline()[:4]) for p in alive]
    assert "stopped" in stack["out"].read_text()
    for port in (stack["port"], stack["sim_port"]):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
