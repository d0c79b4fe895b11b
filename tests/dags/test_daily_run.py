"""Real Airflow DAG runs (``airflow dags test``) of gospubliki_daily against the simulated VK, OK
and Telegram and a fresh PostgreSQL database: the happy path, a corrupted VK load that must not
reach the marts (while OK and Telegram still do), and a re-run of a date that leaves the same rows."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest

from gospubliki import airflow_env, settings
from gospubliki.dates import today_in_moscow
from gospubliki.orchestration.runner import DAG_ID, logical_date_for, run_dag, run_daily
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.simulator.config import Faults
from gospubliki.simulator.connections import as_env, simulated_connections, world_spec
from gospubliki.simulator.registry import write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.world import build_world

DAY_1 = date(2026, 11, 20)
DAY_2 = date(2026, 11, 21)  # the simulator reports negative member counts on this day
LOG_DIR = settings.home() / "logs" / f"test-dag-runs{os.environ.get('PYTEST_XDIST_WORKER', '')}"
FACTOR, SEED = 0.5, 7
NETWORKS = ("vk", "ok", "tg")


@pytest.fixture(scope="module")
def pipeline(module_db, airflow_db, tmp_path_factory):
    """A small simulated region registered in a fresh database, and the simulator serving it."""
    world = build_world(Scale.from_name("region", region="43", factor=FACTOR), seed=SEED)
    registry_csv = tmp_path_factory.mktemp("registry") / "registry.csv"
    write_registry_csv(registry_csv, world)
    load_reference(module_db)
    import_registry(registry_csv, url=module_db)
    with start_in_thread(world, faults=Faults(negative_members_on={DAY_2})) as sim:
        env = {
            f"AIRFLOW_CONN_{airflow_env.WAREHOUSE_CONN_ID.upper()}": airflow_env.connection_json_from_url(module_db),
            **as_env(simulated_connections(sim.url_template, world_spec(seed=SEED, factor=FACTOR),
                                           resolve_budget=1000)),
            "GOSPUBLIKI_WAREHOUSE_URL": module_db,
        }
        mp = pytest.MonkeyPatch()
        for k, v in env.items():
            mp.setenv(k, v)
        yield module_db, sim
        mp.undo()


def query(url, sql, *args):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def mart_state(url):
    return {"national": query(url, "select * from marts.national_summary order by snapshot_date, network")}


def test_a_daily_run_extracts_validates_and_builds_the_marts(pipeline):
    url, sim = pipeline
    started = datetime.now(UTC).isoformat()[:19]  # compared with the events' eventTime, to the second
    result = run_daily(DAY_1, LOG_DIR)
    assert result.state == "success", result.log_file

    statuses = dict(query(url, "select source, status from raw.loads where snapshot_date = %s", DAY_1))
    assert statuses == {n: "validated" for n in NETWORKS}
    (requests,), = query(url, "select requests from raw.loads where source = 'vk' and snapshot_date = %s", DAY_1)
    vk_pages = query(url, "select count(*) from registry.pages where network = 'vk'")[0][0]
    minimum = -(-vk_pages // 500) + -(-vk_pages // 25)
    print(f"\nVK requests for {vk_pages} pages: {requests} (minimum ceil(N/500)+ceil(N/25) = {minimum})")
    assert requests <= minimum

    loaded = ("select count(*) from raw.vk_pages p join raw.loads l using (load_id) "
              "where l.status = 'validated' and l.snapshot_date = %s")
    all_pages = query(url, loaded, DAY_1)[0][0]
    # live pages: read in full, or attributes read and posts not ('posts_unread', issue 7)
    ok_pages = query(url, loaded + " and p.fetch_status in ('ok', 'posts_unread')", DAY_1)[0][0]
    assert all_pages == vk_pages and 0 < ok_pages < all_pages
    assert query(url, "select count(*) from marts.fct_page_daily where snapshot_date = %s and network = 'vk'", DAY_1)[0][0] == all_pages
    (pages, subscribers), = query(
        url, "select pages, subscribers from marts.national_summary where snapshot_date = %s and network = 'vk'", DAY_1
    )
    assert pages == ok_pages
    world_members = query(url, "select sum(members_count) from raw.vk_pages p join raw.loads l using (load_id) "
                               "where l.status = 'validated' and p.fetch_status in ('ok', 'posts_unread') and l.snapshot_date = %s", DAY_1)[0][0]
    assert subscribers == world_members
    assert query(url, "select count(*) from marts.municipality_rating")[0][0] > 0
    networks = {r[0] for r in query(url, "select network from marts.national_summary where snapshot_date = %s", DAY_1)}
    assert networks == {"all", *NETWORKS}
    log = result.log_file.read_text()  # plain and quiet: no colour codes, no noise about unused extras
    assert ("\x1b[" in log, "graphviz" in log, "openlineage/namespace" in log) == (False, False, False)
    # OpenLineage is installed and configured (a file transport): no warning of it, and cosmos no
    # longer asks for the provider; the run's lineage events are in the Airflow home's file
    assert "apache-airflow-providers-openlineage" not in log
    assert not [line for line in log.splitlines() if "openlineage" in line.lower() and "warn" in line.lower()]
    events = [json.loads(line) for line in (Path(os.environ["AIRFLOW_HOME"]) / "openlineage" / "events.jsonl")
              .read_text().splitlines()]
    ours = [e for e in events if e.get("job", {}).get("name", "").startswith(f"{DAG_ID}.")
            and e.get("eventTime", "")[:19] >= started]
    print(f"\nOpenLineage events of the run: {len(ours)} ({sorted({e['job']['name'] for e in ours})[:4]} …)")
    assert {e["job"]["namespace"] for e in ours} == {"gospubliki"}
    assert {f"{DAG_ID}.extract_vk", f"{DAG_ID}.dbt_build"} <= {e["job"]["name"] for e in ours}


def test_a_corrupted_load_fails_the_run_and_never_reaches_the_marts(pipeline):
    """On DAY_2 the simulator reports negative member counts on VK and OK: both loads fail
    validation, the run fails, and only Telegram's validated load reaches the marts."""
    url, _ = pipeline
    before = mart_state(url)
    result = run_daily(DAY_2, LOG_DIR)
    assert result.state == "failed"
    log = result.log_file.read_text()
    assert "members_count" in log  # the failed expectation is named in the task log

    statuses = dict(query(url, "select source, status from raw.loads where snapshot_date = %s", DAY_2))
    assert statuses == {"vk": "failed", "ok": "failed", "tg": "validated"}
    assert query(url, "select count(*) from audit.validations v join raw.loads l using (load_id) "
                      "where l.snapshot_date = %s and not v.success", DAY_2)[0][0] == 2
    # the earlier day is untouched, and no VK/OK row of the corrupted day exists anywhere downstream
    assert query(url, "select * from marts.national_summary where snapshot_date < %s order by snapshot_date, network",
                 DAY_2) == before["national"]
    by_network = dict(query(url, "select network, count(*) from marts.fct_page_daily where snapshot_date = %s "
                                 "group by network", DAY_2))
    assert set(by_network) == {"tg"}
    assert query(url, "select min(members_count) from marts.fct_page_daily")[0][0] >= 0


def test_a_future_snapshot_date_fails_the_run_before_any_extraction(pipeline):
    """The scheduler would never do it, a hand-made logical date can: the `snapshot_date` task
    refuses the future (no retries), nothing is extracted or landed for that date."""
    url, sim = pipeline
    future = today_in_moscow() + timedelta(days=3)
    served = lambda: (sim.stats()["http_requests"], sim.stats()["ok"]["http_requests"])  # noqa: E731
    requests_before = served()
    result = run_dag(DAG_ID, logical_date_for(future), future, LOG_DIR)
    assert result.state == "failed"
    assert f"snapshot date {future} is in the future" in result.log_file.read_text()
    assert query(url, "select count(*) from raw.loads where snapshot_date = %s", future) == [(0,)]
    assert served() == requests_before


def test_rerunning_a_date_replaces_its_load_and_leaves_the_same_rows(pipeline):
    url, _ = pipeline
    counts = ("select (select count(*) from raw.vk_pages p join raw.loads l using (load_id) "
              " where l.status = 'validated' and l.snapshot_date = %s), "
              "(select count(*) from raw.vk_posts p join raw.loads l using (load_id) "
              " where l.status = 'validated' and l.snapshot_date = %s), "
              "(select count(*) from marts.fct_page_daily where snapshot_date = %s and network = 'vk')")
    before = query(url, counts, DAY_1, DAY_1, DAY_1)[0]
    marts_before = query(url, "select * from marts.national_summary where snapshot_date = %s order by network", DAY_1)
    result = run_daily(DAY_1, LOG_DIR)
    assert result.state == "success", result.log_file
    # a later run re-uses dbt's parse of the earlier one (Cosmos cache dir): no full parse
    assert "Unable to do partial parsing" not in result.log_file.read_text()
    after = query(url, counts, DAY_1, DAY_1, DAY_1)[0]
    print(f"\nre-run of {DAY_1}: (pages, posts, fct rows) before {before} after {after}")
    assert after == before
    statuses = query(url, "select status from raw.loads where source = 'vk' and snapshot_date = %s order by load_id", DAY_1)
    assert statuses == [("superseded",), ("validated",)]
    cols = lambda rows: [r[:-2] for r in rows]  # noqa: E731 - the last columns are processing timestamps
    assert cols(query(url, "select * from marts.national_summary where snapshot_date = %s order by network", DAY_1)) == cols(marts_before)


def test_the_weekly_task_exports_the_rating_of_every_region(pipeline, tmp_path, monkeypatch):
    """gospubliki_weekly_reports on the Monday after DAY_1's week: the week's rating table of the
    region in four formats and the region report as HTML and PDF (the reports folder follows
    GOSPUBLIKI_HOME)."""
    from datetime import datetime

    from gospubliki.dates import MOSCOW

    monkeypatch.setenv("GOSPUBLIKI_HOME", str(tmp_path))
    monday = datetime(2026, 11, 23, 6, 0, tzinfo=MOSCOW)
    result = run_dag("gospubliki_weekly_reports", monday, DAY_1, LOG_DIR)
    assert result.state == "success", result.log_file
    files = sorted((tmp_path / "reports" / "rating").rglob("*.*"))
    assert {f.suffix for f in files} == {".xlsx", ".csv", ".html", ".png"}
    assert all("43" in f.name and "2026-W47" in str(f) for f in files)
    png = next(f for f in files if f.suffix == ".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    csv_text = next(f for f in files if f.suffix == ".csv").read_text(encoding="utf-8-sig")
    assert "Место" in csv_text and "Муниципалитет" in csv_text
    # and the region's report like the presentation: the HTML page and its PDF
    reports = sorted((tmp_path / "reports" / "region" / "2026-W47").iterdir())
    assert [f.name for f in reports] == ["region_report_43_2026-W47.html", "region_report_43_2026-W47.pdf"]
    page = reports[0].read_text(encoding="utf-8")
    assert "Госпаблики — Кировская область" in page and 'data-chart="sectors"' in page
    assert reports[1].read_bytes()[:5] == b"%PDF-" and reports[1].stat().st_size > 20_000
