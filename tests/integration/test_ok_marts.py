"""OK through the whole pipeline on a simulated region: the registry CSV imported by the real
importer, VK and OK extracted from the simulator over HTTP, each load validated by its Great
Expectations checkpoint (a corrupted OK load is rejected), then ``dbt build``; the OK figures of
the marts are compared with the simulated world (computed here, never copied from dbt)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import psycopg2
import psycopg2.extras
import pytest

from gospubliki.extract.ok import run_ok_extraction
from gospubliki.extract.vk import run_vk_extraction
from gospubliki.quality import ValidationFailed, check_and_publish, suites
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.registry.links import normalize_ok
from gospubliki.simulator.config import (
    DEFAULT_OK_APP_KEY,
    DEFAULT_OK_APP_SECRET,
    DEFAULT_OK_TOKENS,
    DEFAULT_VK_TOKENS,
    Faults,
)
from gospubliki.simulator.registry import write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.world import build_world
from gospubliki.transform import dbt
from gospubliki.warehouse import loads

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 1)
WINDOW = 7
REPO_GX = Path(__file__).resolve().parents[2] / "expectations" / "gx"
N_OK_EXPECTATIONS = sum(len(suites.expectations_for(suites.OK, part)) for part in suites.PARTS)


def fetch(url: str, sql: str, params=()) -> list[dict]:
    with psycopg2.connect(url) as conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(sql, params)
        rows = [dict(r) for r in cur.fetchall()]
    conn.close()
    return rows


@pytest.fixture(scope="module")
def pipeline(module_db, tmp_path_factory):
    """Registry → VK and OK loads (validated) + one corrupted OK load (rejected) → dbt build."""
    tmp = tmp_path_factory.mktemp("ok_pipeline")
    world = build_world(Scale.from_name("region"), seed=3)
    outcome: dict = {"world": world, "url": module_db}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GOSPUBLIKI_WAREHOUSE_URL", module_db)
        shutil.copytree(REPO_GX, tmp / "expectations" / "gx", ignore=shutil.ignore_patterns("uncommitted"))
        mp.setenv("GOSPUBLIKI_EXPECTATIONS_DIR", str(tmp / "expectations"))
        mp.delenv("GOSPUBLIKI_MIN_OK_SHARE", raising=False)
        for name, value in {
            "GOSPUBLIKI_OK_APP_KEY": DEFAULT_OK_APP_KEY,
            "GOSPUBLIKI_OK_APP_SECRET": DEFAULT_OK_APP_SECRET,
            "GOSPUBLIKI_OK_TOKEN": ",".join(DEFAULT_OK_TOKENS),
        }.items():
            mp.setenv(name, value)
        load_reference(module_db)
        write_registry_csv(tmp / "registry.csv", world)
        report = import_registry(tmp / "registry.csv", url=module_db)
        assert report.pages_by_network["ok"] == len(world.pages_on("ok")) and not report.rejects
        faults = Faults()
        with start_in_thread(world, faults=faults) as sim:
            vk = run_vk_extraction(
                DAY, url=module_db, base_url=sim.url_template, tokens=list(DEFAULT_VK_TOKENS), rps=50
            )
            ok = run_ok_extraction(DAY, url=module_db, base_url=sim.url_template, rps=100)
            outcome["vk_outcome"] = check_and_publish(vk.load_id, url=module_db)
            # validated before the next run of the date (which fails a load still left 'loaded')
            outcome["ok_outcome"] = check_and_publish(ok.load_id, url=module_db)
            faults.negative_members_on.add(DAY)  # the same day again, from a corrupted source
            corrupted = run_ok_extraction(DAY, url=module_db, base_url=sim.url_template, rps=100)
        with pytest.raises(ValidationFailed) as caught:
            check_and_publish(corrupted.load_id, url=module_db)
        outcome.update(ok_load=ok.load_id, corrupted_load=corrupted.load_id, rejected=caught.value)
        dbt.build(module_db, target_path=tmp / "target", log_path=tmp / "logs")
    return outcome


def expected_ok_pages(world) -> dict[str, dict]:
    """page_key -> what fct_page_daily must say about the OK page on DAY (from the world)."""
    out = {}
    for page in world.pages_on("ok"):
        active = page.state == "active"
        in_window = world.posts_between(page, DAY - timedelta(days=WINDOW - 1), DAY) if active else []
        out[f"ok:{normalize_ok(page.link).ref}"] = dict(
            institution_id=page.institution_id,
            fetch_status={"active": "ok", "private": "private", "banned": "deactivated"}.get(
                page.state, "not_found"
            ),
            is_active=active,
            members_count=world.members_on(page, DAY) if page.state in ("active", "private") else None,
            is_verified=page.verified if page.state in ("active", "private") else False,
            # posts of a page not read are «нет данных» (None), not 0 (issue 7)
            posts_7d=len(in_window) if active else None,
            views_7d=sum(p.views or 0 for p in in_window) if active else None,
            likes_7d=sum(p.likes for p in in_window) if active else None,
            reposts_7d=sum(p.reposts for p in in_window) if active else None,
            comments_7d=sum(p.comments for p in in_window) if active else None,
        )
    return out


def test_gx_passes_on_a_good_ok_load_and_rejects_a_corrupted_one(pipeline):
    good = pipeline["ok_outcome"]
    assert good.success and (good.suite, good.evaluated, good.failed) == ("ok_raw_load", N_OK_EXPECTATIONS, 0)
    assert good.parameters["registry_pages"] == len(pipeline["world"].pages_on("ok"))
    bad = pipeline["rejected"].outcome
    # negative members are quarantined at landing (pages published with members NULL): every
    # readable page is, a share far above the gate, and the total of members has vanished
    assert {(f["expectation"], f["table"], f["column"]) for f in bad.failures} == {
        ("expect_column_values_to_be_between", "raw.loads", "quarantine_share"),
    }
    readable = sum(p.state in ("active", "private") for p in pipeline["world"].pages_on("ok"))
    assert bad.failures[0]["quarantine"] == {"members_count_out_of_range": readable}
    assert loads.get(pipeline["ok_load"], pipeline["url"])["status"] == "validated"
    assert loads.get(pipeline["corrupted_load"], pipeline["url"])["status"] == "failed"


def test_fct_page_daily_holds_the_ok_pages_of_the_world(pipeline):
    rows = fetch(
        pipeline["url"],
        "select * from marts.fct_page_daily where network = 'ok' and snapshot_date = %s",
        (DAY,),
    )
    expected = expected_ok_pages(pipeline["world"])
    assert {r["page_key"] for r in rows} == set(expected)
    assert {r["load_id"] for r in rows} == {pipeline["ok_load"]}  # the rejected load reached no mart
    for r in rows:
        want = expected[r["page_key"]]
        assert {k: r[k] for k in want} == want, r["page_key"]


def test_national_summary_has_the_ok_row_and_all_networks_add_up(pipeline):
    rows = {
        r["network"]: r
        for r in fetch(
            pipeline["url"], "select * from marts.national_summary where snapshot_date = %s", (DAY,)
        )
    }
    assert set(rows) == {"vk", "ok", "all"}
    expected = expected_ok_pages(pipeline["world"]).values()
    active = [v for v in expected if v["is_active"]]
    ok = rows["ok"]
    assert ok["pages"] == len(active) > 0
    assert ok["pages_unavailable"] == len(expected) - len(active)
    assert ok["subscribers"] == sum(v["members_count"] for v in active)
    assert ok["posts_per_week"] == sum(v["posts_7d"] or 0 for v in expected)  # read pages only
    assert ok["institutions_with_pages"] == len({v["institution_id"] for v in active})
    for column in ("pages", "pages_unavailable", "subscribers", "posts_per_week"):
        assert rows["all"][column] == rows["vk"][column] + ok[column], column
    print(
        f"\nnational_summary {DAY}: ok pages {ok['pages']}, subscribers {ok['subscribers']}, "
        f"posts/week {ok['posts_per_week']}; all networks: pages {rows['all']['pages']}"
    )
