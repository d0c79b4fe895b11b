"""Issue 7, item 8 — unread is not zero — through the real pipeline: registry CSV import, VK
extraction over HTTP to the simulator with faults injected per page, GX validation and
publication, then ``dbt build`` of fct_page_daily, page_compliance and the rating.

* walls answering 15 (the world's members-only walls), 18 and 30 (injected) -> 'posts_unread':
  live pages with their attributes, posts «нет данных» (NULL), «светофор» no_data, the rating's
  posting criterion missing — never «an active page that posted nothing»;
* a page whose posts come without likes / reposts / comments / views -> NULL counters in raw and
  in the marts, its posts counted, none of its unknown counters summed as 0."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import tg_world as tw
from psycopg2.extras import RealDictCursor

from gospubliki.extract.vk import run_vk_extraction
from gospubliki.quality import check_and_publish
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.registry.links import normalize_vk
from gospubliki.simulator.config import DEFAULT_VK_TOKENS, EmulatorConfig, Faults
from gospubliki.simulator.registry import synthetic_municipalities, write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.world import build_world
from gospubliki.transform import dbt
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 1)  # a Sunday: the rating's week 2026-W09 ends on it
WINDOW = 7


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=7)


def _key(page) -> str:
    return f"vk:{normalize_vk(page.link).ref}"


def _with_posts(world, page) -> bool:
    return bool(world.posts_between(page, DAY - timedelta(days=WINDOW - 1), DAY))


def _pick(world):
    """An ОМСУ page that is its municipality's only rated VK page (the rating then depends on it
    alone), another open page with posts, and a third one for the counters."""
    institutions = {i.institution_id: i for i in world.institutions}
    rated = [p for p in world.pages_on("vk") if _is_rated(institutions[p.institution_id])]
    per_municipality = Counter(institutions[p.institution_id].municipality_id for p in rated)
    omsu = next(
        p
        for p in sorted(rated, key=lambda p: p.page_id)
        if per_municipality[institutions[p.institution_id].municipality_id] == 1
        and not p.deactivated
        and not p.is_closed
        and _with_posts(world, p)
    )
    others = [
        p
        for p in sorted(world.pages_on("vk"), key=lambda p: p.page_id)
        if p is not omsu and not p.deactivated and not p.is_closed and _with_posts(world, p)
    ]
    return omsu, institutions[omsu.institution_id].municipality_id, others[0], others[1]


def _is_rated(institution) -> bool:
    return institution.sector == "local" and institution.level == "municipal" and not institution.exemption_reason


def _rows(url: str, sql: str, *params) -> list[dict]:
    with db.connect(url) as conn, conn.cursor(cursor_factory=RealDictCursor) as cur:
        cur.execute(sql, params)
        return [dict(r) for r in cur.fetchall()]


@pytest.fixture(scope="module")
def built(module_db, world, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unread_marts")
    mp = pytest.MonkeyPatch()
    mp.setenv("GOSPUBLIKI_WAREHOUSE_URL", module_db)
    mp.setenv("GOSPUBLIKI_VK_RETRY_WAIT", "0.05")
    tw.copy_gx(tmp, mp)
    load_reference(module_db, extra_municipalities=synthetic_municipalities(world))
    write_registry_csv(tmp / "registry.csv", world)
    assert not import_registry(tmp / "registry.csv", url=module_db).rejects

    omsu, municipality, private, bare = _pick(world)
    faults = Faults(
        page_errors={omsu.key: {"wall.get": 18}, private.key: {"wall.get": 30}},
        page_anomalies={bare.key: "missing_counters"},
    )
    with start_in_thread(world, config=EmulatorConfig(rate_per_second=1_000), faults=faults) as sim:
        load = run_vk_extraction(
            DAY, url=module_db, base_url=sim.url_template, tokens=list(DEFAULT_VK_TOKENS), rps=50
        )
    assert check_and_publish(load.load_id, module_db).success
    result = dbt.build(
        module_db,
        select=["+page_compliance", "+municipality_rating_criteria", "+fct_post", "+national_summary"],
        target_path=tmp / "target",
        log_path=tmp / "logs",
    )
    assert result.success, result.exception
    yield {
        "url": module_db,
        "omsu": omsu,
        "municipality": municipality,
        "private": private,
        "bare": bare,
        "closed": [p for p in world.pages_on("vk") if p.is_closed == 1 and not p.deactivated],
    }
    mp.undo()


def test_unread_walls_are_live_pages_with_no_data_not_pages_that_posted_nothing(built, world):
    url = built["url"]
    unread = [built["omsu"], built["private"], *built["closed"]]
    assert len(built["closed"]) > 0
    rows = {
        r["page_key"]: r
        for r in _rows(url, "select * from marts.fct_page_daily where snapshot_date = %s", DAY)
    }
    for page in unread:
        r = rows[_key(page)]
        assert (r["fetch_status"], r["is_active"], r["are_posts_read"]) == ("posts_unread", True, False), page.key
        assert r["members_count"] == world.members_on(page, DAY)  # the attributes stand
        measures = ("posts_7d", "views_7d", "likes_7d", "reposts_7d", "comments_7d", "interactions_7d")
        assert [r[m] for m in measures] == [None] * len(measures), page.key
    assert Counter(r["fetch_status"] for r in rows.values())["posts_unread"] == len(unread)
    (summary,) = _rows(
        url, "select * from marts.national_summary where network = 'vk' and snapshot_date = %s", DAY
    )
    assert summary["pages_posts_unread"] == len(unread)
    assert summary["pages"] == sum(1 for r in rows.values() if r["is_active"])  # unread pages are live
    assert summary["posts_per_week"] == sum(r["posts_7d"] or 0 for r in rows.values())

    compliance = {
        r["page_key"]: r
        for r in _rows(url, "select * from marts.page_compliance where snapshot_date = %s", DAY)
    }
    for page in unread:
        c = compliance[_key(page)]
        assert (c["compliance_status"], c["compliance_status_label"]) == ("no_data", "нет данных"), page.key
        assert (c["compliance_score"], c["posts_7d"], c["meets_posting_frequency"]) == (None, None, None)
        assert "публикации не прочитаны — нет данных" in c["unmet_requirements"]
    assert not any(
        c["compliance_status"] == "no_data" for k, c in compliance.items() if rows[k]["are_posts_read"]
    )


def test_the_rating_reports_unread_posting_as_missing_not_as_zero(built):
    criteria = {
        r["criterion_code"]: r
        for r in _rows(
            built["url"],
            "select criterion_code, metric_value, points_awarded, is_missing"
            " from marts.municipality_rating_criteria"
            " where methodology_code = 'example_30' and period_id = '2026-W09' and municipality_id = %s",
            built["municipality"],
        )
    }
    assert criteria["vk_page"]["metric_value"] == 1  # the page exists and is live
    for code in ("posting_3", "posting_7", "views_300", "views_1000", "engagement_2pct"):
        assert (criteria[code]["metric_value"], criteria[code]["is_missing"]) == (None, True), code
        assert criteria[code]["points_awarded"] == 0


def test_posts_without_counters_are_counted_with_unknown_counters(built, world):
    url, page = built["url"], built["bare"]
    want = world.posts_between(page, DAY - timedelta(days=WINDOW - 1), DAY)
    raw = _rows(
        url,
        "select p.views, p.likes, p.reposts, p.comments from raw.vk_posts p"
        " join raw.loads l using (load_id) where l.status = 'validated' and p.page_key = %s",
        _key(page),
    )
    assert len(raw) == len(want) > 0
    assert {tuple(r.values()) for r in raw} == {(None, None, None, None)}
    (day,) = _rows(url, "select * from marts.fct_page_daily where page_key = %s", _key(page))
    assert (day["fetch_status"], day["are_posts_read"], day["posts_7d"]) == ("ok", True, len(want))
    assert (day["likes_7d"], day["reposts_7d"], day["comments_7d"]) == (None, None, None)  # unknown, not 0
    assert (day["posts_with_views_7d"], day["posts_with_interactions_7d"]) == (0, 0)
    assert (day["views_7d"], day["interactions_7d"], day["views_with_interactions_7d"]) == (0, 0, 0)
    posts = _rows(url, "select * from marts.fct_post where page_key = %s", _key(page))
    assert len(posts) == len(want)
    assert {(p["like_count"], p["interaction_count"], p["er_views"]) for p in posts} == {(None, None, None)}
