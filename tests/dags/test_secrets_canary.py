"""Secrets go nowhere (issue 8): every credential is a unique canary token — the VK tokens, the OK
application secret and token, the Telegram api hash and session strings, the warehouse password
of the pipeline's role and a BI login's password — the simulator accepts exactly those; then one
real daily DAG run (``airflow dags test gospubliki_daily``) and the weekly export run, and every
credential fails once on purpose (wrong token, wrong secret, bad session, wrong passwords). The
test then counts the canaries in every place a secret could end up, prints the count per place
and requires 0 everywhere.

One DAG run serves the whole scan (a run takes minutes)."""

from __future__ import annotations

import os
import shutil
import time
import traceback
import uuid
import zipfile
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest

from gospubliki import airflow_env
from gospubliki.clients.telegram.settings import TelegramAccount
from gospubliki.clients.telegram.telethon_adapter import make_client
from gospubliki.dates import MOSCOW
from gospubliki.orchestration.runner import run_dag, run_daily
from gospubliki.quality import context as gx_context
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.simulator.config import DEFAULT_OK_APP_KEY, EmulatorConfig
from gospubliki.simulator.connections import as_env, simulated_connections
from gospubliki.simulator.registry import write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.telegram_fake import simulator_from_spec
from gospubliki.simulator.world import build_world
from gospubliki.warehouse import bi_role, privileges, server

pytestmark = pytest.mark.integration

DAY = date(2026, 11, 20)
MONDAY = datetime(2026, 11, 23, 6, 0, tzinfo=MOSCOW)
FACTOR, SEED = 0.3, 11
TG_SPEC = {"scale": "region", "region": "43", "seed": SEED, "factor": FACTOR}


def canary(kind: str) -> str:
    return f"CANARY{kind}{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def canaries() -> dict[str, str]:
    sessions = simulator_from_spec(TG_SPEC).sessions()  # genuine StringSessions: the simulator's accounts
    values = {
        "vk token 1": canary("vk1"),
        "vk token 2": canary("vk2"),
        "ok application secret": canary("oksecret"),
        "ok token": canary("oktoken"),
        "telegram api hash": canary("tghash"),
        "warehouse password": canary("warehouse"),
        "bi password": canary("bi"),
        # failed on purpose (exception messages)
        "wrong vk token": canary("vkwrong"),
        "wrong ok secret": canary("okwrong"),
        "bad telegram session": canary("tgbad"),
        "wrong warehouse password": canary("whwrong"),
        "wrong bi password": canary("biwrong"),
    }
    values.update({f"telegram session {name}": session for name, session in sessions.items()})
    return values


@pytest.fixture(scope="module")
def run(server_url, airflow_db, canaries, tmp_path_factory):
    """The canary warehouse (its own owner role and database), the simulator accepting only the
    canaries, one daily run and one weekly export run; yields what the scan needs."""
    tmp = tmp_path_factory.mktemp("canary")
    suffix = uuid.uuid4().hex[:8]
    role, database = f"gp_canary_{suffix}", f"gp_canary_{suffix}"
    admin = psycopg2.connect(privileges.with_database(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        privileges.ensure_owner_role(cur, role, canaries["warehouse password"])
        cur.execute(f'create database "{database}" owner "{role}"')
    parts = urlsplit(server_url)
    url = f"postgresql://{role}:{canaries['warehouse password']}@{parts.hostname}:{parts.port}/{database}"
    admin_url = privileges.with_database(server_url, database)
    pg_log = server.log_file()

    world = build_world(Scale.from_name("region", region="43", factor=FACTOR), seed=SEED)
    registry_csv = tmp / "registry.csv"
    write_registry_csv(registry_csv, world)
    load_reference(url)
    import_registry(registry_csv, url=url)
    bi_name = f"bi_canary_{suffix}"
    bi_role.add_user(bi_name, canaries["bi password"], url=url, admin_url=admin_url)

    expectations = tmp / "expectations"
    shutil.copytree(gx_context.project_root(), expectations, ignore=shutil.ignore_patterns("uncommitted"))
    config = EmulatorConfig(
        tokens=(canaries["vk token 1"], canaries["vk token 2"]),
        ok_application_secret_key=canaries["ok application secret"],
        ok_tokens=(canaries["ok token"],),
    )
    sessions = {k.removeprefix("telegram session "): v for k, v in canaries.items() if k.startswith("telegram session ")}
    mp = pytest.MonkeyPatch()
    started = time.time()
    with start_in_thread(world, config=config) as sim:
        env = {
            f"AIRFLOW_CONN_{airflow_env.WAREHOUSE_CONN_ID.upper()}": airflow_env.connection_json_from_url(url),
            **as_env(simulated_connections(
                sim.url_template, TG_SPEC, vk_tokens=(canaries["vk token 1"], canaries["vk token 2"]),
                ok_tokens=(canaries["ok token"],), ok_application_secret_key=canaries["ok application secret"],
                resolve_budget=1000,
                telegram={"password": canaries["telegram api hash"], "extra": {"sessions": sessions}})),
            "GOSPUBLIKI_WAREHOUSE_URL": url,
            "GOSPUBLIKI_WAREHOUSE_ADMIN_URL": admin_url,
            "GOSPUBLIKI_BI_PASSWORD": canaries["bi password"],
            "GOSPUBLIKI_EXPECTATIONS_DIR": str(expectations),
            "GOSPUBLIKI_HOME": str(tmp / "home"),
        }
        for k, v in env.items():
            mp.setenv(k, v)
        log_dir = tmp / "dag-runs"
        daily = run_daily(DAY, log_dir)
        weekly = run_dag("gospubliki_weekly_reports", MONDAY, DAY, log_dir)
        errors = failing_credentials(url, sim, canaries, bi_name)
        yield {
            "url": url, "admin_url": admin_url, "daily": daily, "weekly": weekly, "errors": errors,
            "log_dir": log_dir, "expectations": expectations, "home": tmp / "home", "pg_log": pg_log,
            "started": started, "sim": sim,
        }
    mp.undo()
    bi_role.remove_user(bi_name, admin_url=admin_url)
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{database}" with (force)')
        cur.execute(f'drop role if exists "{role}"')
    admin.close()


def _text_of(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def failing_credentials(url: str, sim, canaries: dict[str, str], bi_name: str) -> dict[str, str]:
    """Each credential fails once; the full text of each exception (message, chain, traceback)."""
    from gospubliki.extract.ok import run_ok_extraction
    from gospubliki.extract.telegram import run_tg_extraction
    from gospubliki.extract.vk import run_vk_extraction
    from gospubliki.hooks.telegram import TelegramHook

    out: dict[str, str] = {}

    def capture(name: str, action) -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - whatever it is, its text is scanned
            out[name] = _text_of(exc)
        else:
            pytest.fail(f"{name}: the wrong credential was accepted")

    capture("vk: a wrong token", lambda: run_vk_extraction(
        DAY, url=url, base_url=sim.url_template, tokens=[canaries["wrong vk token"]], rps=20))
    os.environ.update({
        "GOSPUBLIKI_OK_APP_KEY": DEFAULT_OK_APP_KEY,
        "GOSPUBLIKI_OK_APP_SECRET": canaries["wrong ok secret"],
        "GOSPUBLIKI_OK_TOKEN": canaries["ok token"],
    })
    try:
        capture("ok: a wrong application secret", lambda: run_ok_extraction(DAY, url=url, base_url=sim.url_template))
    finally:
        for k in ("GOSPUBLIKI_OK_APP_KEY", "GOSPUBLIKI_OK_APP_SECRET", "GOSPUBLIKI_OK_TOKEN"):
            os.environ.pop(k, None)
    tg_settings = simulator_from_spec(TG_SPEC).settings(api_hash=canaries["telegram api hash"])
    capture("telegram: a session that is not a StringSession",
            lambda: make_client(TelegramAccount("acc", canaries["bad telegram session"]), tg_settings))
    capture("telegram: every account unusable", lambda: run_tg_extraction(
        DAY, url=url, settings=tg_settings, accounts={"acc": canaries["bad telegram session"]},
        client_factory=TelegramHook().get_client_factory(tg_settings)))
    wrong_wh = url.replace(canaries["warehouse password"], canaries["wrong warehouse password"])
    capture("warehouse: a wrong password", lambda: psycopg2.connect(wrong_wh))
    capture("warehouse: a wrong password through the project", lambda: load_reference(wrong_wh))
    capture("bi: a wrong password", lambda: psycopg2.connect(bi_role.login_url(bi_name, canaries["wrong bi password"], url)))
    out["warehouse status (url shown)"] = server.status().describe()
    return out


def _files(root: Path, since: float | None = None) -> list[Path]:
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if p.is_file() and (since is None or p.stat().st_mtime >= since)]


def _xlsx_text(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return b"".join(z.read(name) for name in z.namelist())


def _count_in(blobs: list[bytes], canaries: dict[str, str]) -> int:
    needles = [c.encode() for c in canaries.values()]
    return sum(blob.count(n) for blob in blobs for n in needles)


def _warehouse_count(admin_url: str, canaries: dict[str, str]) -> tuple[int, int]:
    """Every row of every table of every schema, as text (all columns, jsonb included)."""
    tables = rows_scanned = found = 0
    with psycopg2.connect(admin_url) as conn, conn.cursor() as cur:
        cur.execute(
            """select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where c.relkind in ('r', 'p', 'm') and n.nspname not in ('pg_catalog', 'information_schema')
                 and n.nspname not like 'pg\\_toast%'"""
        )
        for (table,) in cur.fetchall():
            tables += 1
            cur.execute(f"select count(*) from {table}")
            rows_scanned += cur.fetchone()[0]
            cur.execute(
                f"select count(*) from {table} t, unnest(%s::text[]) c where strpos(t::text, c) > 0",
                (list(canaries.values()),),
            )
            found += cur.fetchone()[0]
    print(f"  (warehouse: {tables} tables, {rows_scanned} rows scanned)")
    return found, rows_scanned


def test_no_secret_reaches_logs_xcom_warehouse_data_docs_reports_or_errors(run, canaries):
    assert run["daily"].state == "success", run["daily"].log_file
    assert run["weekly"].state == "success", run["weekly"].log_file
    # the canaries were really used: the simulator accepts nothing else, and every network loaded
    with psycopg2.connect(run["url"]) as conn, conn.cursor() as cur:
        cur.execute("select source, status from raw.loads where snapshot_date = %s and status = 'validated'", (DAY,))
        assert {r[0] for r in cur.fetchall()} == {"vk", "ok", "tg"}

    airflow_home = Path(os.environ["AIRFLOW_HOME"])
    reports = sorted((run["home"] / "reports").rglob("*.*"))
    assert {p.suffix for p in reports} == {".xlsx", ".csv", ".html", ".png", ".pdf"}
    data_docs = _files(run["expectations"] / "gx" / "uncommitted")
    assert any(p.name == "index.html" for p in data_docs)
    task_logs = [*_files(run["log_dir"]), *_files(airflow_home / "logs", since=run["started"])]

    import sqlite3

    metadata = airflow_home / "airflow.db"
    with sqlite3.connect(metadata) as db:
        xcom = [str(v).encode() for (v,) in db.execute("select value from xcom")]
    warehouse, rows_scanned = _warehouse_count(run["admin_url"], canaries)
    places = {
        f"task logs ({len(task_logs)} files)": _count_in([p.read_bytes() for p in task_logs], canaries),
        f"XCom ({len(xcom)} values)": _count_in(xcom, canaries),
        "Airflow metadata DB (whole file)": _count_in([metadata.read_bytes()], canaries),
        f"warehouse, all schemas ({rows_scanned} rows)": warehouse,
        "PostgreSQL server log": _count_in([run["pg_log"].read_bytes()], canaries),
        f"GX Data Docs ({len(data_docs)} files)": _count_in([p.read_bytes() for p in data_docs], canaries),
        f"reports ({len(reports)} files, XLSX unzipped)": _count_in(
            [_xlsx_text(p) if p.suffix == ".xlsx" else p.read_bytes() for p in reports], canaries
        ),
        f"exception messages ({len(run['errors'])})": _count_in([t.encode() for t in run["errors"].values()], canaries),
    }
    print("\ncanary occurrences per place:")
    for place, count in places.items():
        print(f"  {place}: {count}")
    for name, text in run["errors"].items():
        print(f"  error [{name}]: {text.strip().splitlines()[-1][:200]}")
    assert places == {place: 0 for place in places}

    # no trivial password: the masker has nothing to hide but the secrets, so the project's own
    # name is shown in the task logs (it was `plugins/***/hooks/vk.py` with the password `gospubliki`)
    daily_log = run["daily"].log_file.read_text(errors="replace")
    assert "gospubliki_daily" in daily_log and "plugins/***" not in daily_log and "***_daily" not in daily_log
