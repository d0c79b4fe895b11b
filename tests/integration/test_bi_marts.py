"""The BI marts on the real warehouse: a hand-made registry and five published VK loads
(``bi_world``) -> ``dbt build`` -> marts, compared with figures computed here in Python.

Checked: the national per-network summary with connected / badged pages, coverage by sector and
by sector × level × region, the map-ready region summary, engagement ratios as sums of
numerators over sums of denominators (never averaged), the «светофор» at its threshold edges,
posts with their counters as of the week's cut-off, the weekly best posts, contracts and Russian
docs of every BI mart, exposures, ``dbt docs generate``, and incremental builds equal to a full
rebuild.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import bi_world as w
import pytest

from gospubliki.transform import dbt

pytestmark = pytest.mark.integration

TOP_N = 3  # best_posts_top_n for these builds (the project default is 10)
MIN_VIEWS = 100  # best_posts_min_views (project default)
BUILD_VARS = {"best_posts_top_n": TOP_N}

BI_MARTS = (
    "fct_page_daily",
    "fct_post",
    "national_summary",
    "sector_summary",
    "sector_region_summary",
    "region_summary",
    "municipality_summary",
    "page_compliance",
    "engagement_page_weekly",
    "best_posts_weekly",
)
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@pytest.fixture(scope="module")
def world(module_db, tmp_path_factory) -> w.World:
    tmp = tmp_path_factory.mktemp("bi_marts")
    world = w.prepare(module_db, tmp)
    for day in w.DATES:
        w.publish(world, day)
    w.build(module_db, tmp, vars=BUILD_VARS)
    world.tmp = tmp  # type: ignore[attr-defined]
    return world


def rows_by(url: str, table: str, *key: str) -> dict:
    return {
        tuple(r[k] for k in key) if len(key) > 1 else r[key[0]]: r
        for r in w.fetch(url, f"select * from marts.{table}")
    }


# ---------------------------------------------------------------- national / sector / region
def test_national_summary_counts_connected_and_badged_pages_and_engagement_from_sums(world):
    days = w.page_days(world)
    rows = rows_by(world.url, "national_summary", "snapshot_date", "network")
    assert set(rows) == {(d, n) for d in w.DATES for n in ("vk", "all")}
    for (day, network), r in rows.items():
        day_rows = [v for (_, d), v in days.items() if d == day]
        active = [v for v in day_rows if v["is_active"]]
        assert r["pages"] == len(active)
        assert r["pages_unavailable"] == len(day_rows) - len(active)
        assert r["pages_connected"] == len([v for v in active if v["is_connected"]])
        assert r["pages_badged"] == len([v for v in active if v["is_verified"]])
        assert r["subscribers"] == sum(v["members_count"] for v in active)
        assert r["subscribers_connected"] == sum(v["members_count"] for v in active if v["is_connected"])
        assert r["posts_per_week"] == sum(v["posts_7d"] or 0 for v in day_rows)  # read pages only
        for column, value in w.engagement_of(day_rows).items():
            assert r[column] == value, (day, network, column)
    d2 = rows[(w.D2, "all")]
    # 11 pages: school-2 is deleted; connected: omsu-kirov, culture-1, sport-1, kindergarten-1,
    # region-gov, culture-2, minzdrav; badged: all verified active pages
    assert (d2["pages"], d2["pages_unavailable"], d2["pages_connected"], d2["pages_badged"]) == (10, 1, 7, 8)
    # culture-1 publishes without views: its interactions are left out of er_views' numerator
    with_culture = w.ratio(d2["interactions_per_week"], d2["views_per_week"])
    assert d2["er_views"] < with_culture


def test_sector_summary_coverage_and_sector_region_rows_add_up_to_it(world):
    days = w.page_days(world)
    labels = w.sector_labels()
    sectors = rows_by(world.url, "sector_summary", "snapshot_date", "sector")
    groups = rows_by(world.url, "sector_region_summary", "snapshot_date", "sector", "level", "region_code")
    registry_groups = {(i["sector"], i["level"], i["region_code"]) for i in w.INSTITUTIONS}
    assert set(groups) == {(d, *g) for d in w.DATES for g in registry_groups}
    for (day, sector, level, region), r in groups.items():
        members = [
            i
            for i in w.INSTITUTIONS
            if (i["sector"], i["level"], i["region_code"]) == (sector, level, region)
        ]
        targets = {i["institution_id"] for i in members if not i.get("exemption_reason")}
        day_rows = [
            v
            for (_, d), v in days.items()
            if d == day and (v["sector"], v["level"], v["region_code"]) == (sector, level, region)
        ]
        created = {v["institution_id"] for v in day_rows if v["is_active"]} & targets
        assert r["sector_label"] == labels[sector]
        assert (r["institutions"], r["target_institutions"], r["created_institutions"]) == (
            len(members),
            len(targets),
            len(created),
        )
        assert r["to_create_institutions"] == len(targets) - len(created)
        assert r["coverage_percent"] == w.percent(len(created), len(targets))
        assert r["pages"] == len([v for v in day_rows if v["is_active"]])
        assert r["subscribers"] == sum(v["members_count"] for v in day_rows if v["is_active"])
        for column, value in w.engagement_of(day_rows).items():
            assert r[column] == value, (day, sector, level, region, column)
    # counts add up from sector × level × region to the sector; coverage is recomputed, not averaged
    for (day, sector), r in sectors.items():
        parts = [g for (d, s, _, _), g in groups.items() if d == day and s == sector]
        for column in (
            "institutions",
            "target_institutions",
            "created_institutions",
            "to_create_institutions",
            "pages",
            "subscribers",
            "posts_per_week",
            "views_per_week",
            "interactions_per_week",
        ):
            assert r[column] == sum(p[column] for p in parts), (day, sector, column)
        assert r["coverage_percent"] == w.percent(r["created_institutions"], r["target_institutions"])
    # schools on D2: school-1 has a page, school-3 none, school-5 exempt, school-2's page is deleted
    schools = sectors[(w.D2, "school")]
    assert (
        schools["target_institutions"],
        schools["created_institutions"],
        schools["to_create_institutions"],
        schools["coverage_percent"],
    ) == (3, 1, 2, Decimal("33.3"))
    assert sectors[(w.D0, "school")]["coverage_percent"] == Decimal("66.7")
    assert sectors[(w.D2, "other")]["coverage_percent"] is None  # no target: no percent, not 0


def test_region_summary_has_every_region_for_the_map(world):
    days = w.page_days(world)
    regions = {r["region_code"]: r for r in w.fetch(world.url, "select * from reference.regions")}
    rows = rows_by(world.url, "region_summary", "snapshot_date", "region_code", "network")
    assert set(rows) == {(d, code, n) for d in w.DATES for code in regions for n in ("vk", "all")}
    assert len(regions) >= 85
    for (day, code, _network), r in rows.items():
        members = [i for i in w.INSTITUTIONS if i["region_code"] == code]
        targets = {i["institution_id"] for i in members if not i.get("exemption_reason")}
        day_rows = [v for (_, d), v in days.items() if d == day and v["region_code"] == code]
        active = [v for v in day_rows if v["is_active"]]
        subscribers = sum(v["members_count"] for v in active)
        created = {v["institution_id"] for v in active} & targets
        assert (r["region_name"], r["population"]) == (regions[code]["name"], regions[code]["population"])
        assert (r["institutions"], r["target_institutions"], r["created_institutions"]) == (
            len(members),
            len(targets),
            len(created),
        )
        assert r["coverage_percent"] == w.percent(len(created), len(targets))
        assert (r["pages"], r["pages_unavailable"]) == (len(active), len(day_rows) - len(active))
        assert r["pages_connected"] == len([v for v in active if v["is_connected"]])
        assert r["subscribers"] == subscribers
        assert r["subscribers_per_1000"] == w.round_half_up(
            Decimal(subscribers) * 1000 / regions[code]["population"], 2
        )
        assert r["posts_per_week"] == sum(v["posts_7d"] or 0 for v in day_rows)  # read pages only
        assert r["er_views"] == w.engagement_of(day_rows)["er_views"]
    assert rows[(w.D2, "12", "all")]["coverage_percent"] == Decimal("66.7")  # culture-2, omsu-12 of 3
    assert rows[(w.D2, "77", "vk")]["subscribers"] == w.members(w.PAGE_BY_INSTITUTION["minzdrav"], w.D2)
    assert rows[(w.D2, "01", "all")]["pages"] == 0 and rows[(w.D2, "01", "all")]["coverage_percent"] is None


def test_municipality_summary_engagement_is_a_ratio_of_sums_not_a_mean_of_ratios(world):
    days = w.page_days(world)
    rows = rows_by(world.url, "municipality_summary", "snapshot_date", "municipality_id")
    for (day, municipality), r in rows.items():
        members = [i for i in w.INSTITUTIONS if i.get("municipality") == municipality]
        targets = {i["institution_id"] for i in members if not i.get("exemption_reason")}
        day_rows = [v for (_, d), v in days.items() if d == day and v["municipality_id"] == municipality]
        created = {v["institution_id"] for v in day_rows if v["is_active"]} & targets
        assert (r["created_institutions"], r["to_create_institutions"]) == (
            len(created),
            len(targets) - len(created),
        )
        assert r["coverage_percent"] == w.percent(len(created), len(targets))
        for column, value in w.engagement_of(day_rows).items():
            assert r[column] == value, (day, municipality, column)
    # Киров on D2: the city administration (big) and school-1 (small, very engaged)
    kirov = [
        v for (_, d), v in days.items() if d == w.D2 and v["municipality_id"] == "43-kirov" and v["is_active"]
    ]
    assert len(kirov) == 2
    mean_of_ratios = sum(Decimal(v["interactions_with_views_7d"]) / v["views_7d"] for v in kirov) / 2
    assert abs(rows[(w.D2, "43-kirov")]["er_views"] - mean_of_ratios) > Decimal("0.01")


# ---------------------------------------------------------------- the «светофор»
def test_page_compliance_statuses_at_the_threshold_edges(world):
    t = w.read_thresholds()
    assert (
        t["min_posts_7d"],
        t["max_days_since_last_post"],
        t["green_min_score"],
        t["yellow_min_score"],
    ) == (3, 3, 80, 50)
    rows = rows_by(world.url, "page_compliance", "page_key", "snapshot_date")

    def on_d2(institution_id: str) -> dict:
        return rows[(world.page_keys[institution_id], w.D2)]

    expected = {  # institution: (score, status, posts_7d, days since last post)
        "omsu-kirov": (100, "green", 14, 0),
        "school-1": (80, "green", 3, 3),  # green at its edge; 3 posts and 3 days both still meet
        "sport-1": (80, "green", 3, 4),  # 4 days: the recent-post requirement is missed
        "hospital-1": (75, "yellow", 5, 0),
        "culture-1": (70, "yellow", 2, 0),  # 2 posts: the posting requirement is missed
        "kindergarten-1": (50, "yellow", 0, 13),  # yellow at its edge; last post carried from D0
        "culture-2": (45, "red", 1, 5),
        "school-2": (0, "red", None, 12),  # deleted page: its posts are «нет данных», not 0
        "omsu-12": (0, "red", 0, None),  # never posted
    }
    for institution_id, (score, status, posts, since) in expected.items():
        r = on_d2(institution_id)
        assert (r["compliance_score"], r["compliance_status"], r["posts_7d"], r["days_since_last_post"]) == (
            score,
            status,
            posts,
            since,
        ), institution_id
        assert (
            r["compliance_status_label"] == {"green": "зелёный", "yellow": "жёлтый", "red": "красный"}[status]
        )
    assert on_d2("school-1")["meets_posting_frequency"] and on_d2("school-1")["meets_recent_post"]
    assert on_d2("culture-1")["unmet_requirements"] == "мало публикаций за 7 дней"
    assert on_d2("sport-1")["unmet_requirements"] == "давно не было публикаций"
    assert on_d2("omsu-kirov")["unmet_requirements"] is None
    assert on_d2("school-2")["unmet_requirements"] == "страница недоступна (deactivated)"
    assert on_d2("hospital-1")["page_url"] == "vk.com/club3001"
    # the kindergarten's only post was seen by the D0 load alone: 10 days later on D1, 13 on D2
    assert rows[(world.page_keys["kindergarten-1"], w.D1)]["days_since_last_post"] == 10


def test_page_compliance_follows_the_rules_for_every_page_and_date(world):
    expected = w.compliance(world)
    rows = rows_by(world.url, "page_compliance", "page_key", "snapshot_date")
    assert set(rows) == set(expected)
    for key, want in expected.items():
        got = rows[key]
        for column, value in want.items():
            assert got[column] == value, (key, column, got[column], value)


# ---------------------------------------------------------------- posts and engagement
def test_fct_post_keeps_the_latest_observation_before_the_week_cut_off(world):
    expected = w.posts_fact(world)
    rows = rows_by(world.url, "fct_post", "post_key")
    assert set(rows) == set(expected)
    for post_key, want in expected.items():
        got = rows[post_key]
        for column in (
            "page_key",
            "institution_id",
            "sector",
            "region_code",
            "week_start_date",
            "observed_on_date",
            "view_count",
            "interaction_count",
            "like_count",
        ):
            assert got[column] == want[column], (post_key, column)
        assert got["week_id"] == w.week_id(want["week_start_date"])
        assert got["er_views"] == (
            w.ratio(want["interaction_count"], want["view_count"]) if want["view_count"] else None
        )
        assert got["post_text"] == want["text"]
    pinned = rows["vk:wall-4001_999"]
    # re-read on D4 too (pinned), but D4 is after the W47 cut-off (2025-11-29): D3's counters stay
    assert (pinned["week_id"], pinned["observed_on_date"], pinned["view_count"]) == (
        "2025-W47",
        w.D3,
        6_000 + 80,
    )
    # a post of Sunday W47 re-read by D3 (Tuesday of W48) carries D3's counters
    sunday_post = (date(2025, 11, 23) - date(2025, 1, 1)).days * 100 + 23
    assert rows[f"vk:wall-1001_{sunday_post}"]["observed_on_date"] == w.D3


def test_engagement_page_weekly_stores_numerators_and_denominators(world):
    expected = w.engagement_weekly(world)
    rows = rows_by(world.url, "engagement_page_weekly", "page_key", "week_start_date")
    assert set(rows) == set(expected)
    for key, want in expected.items():
        got = rows[key]
        for column, value in want.items():
            assert got[column] == value, (key, column, got[column], value)
        assert got["er_views"] == w.ratio(want["er_views_numerator"], want["er_views_denominator"])
        assert got["er_subscribers"] == w.ratio(
            want["er_subscribers_numerator"], want["er_subscribers_denominator"]
        )
        assert got["err"] == w.ratio(want["err_numerator"], want["err_denominator"])
        assert got["week_id"] == w.week_id(key[1])
    # a group's ratio is sum of numerators / sum of denominators: region 43 in W47
    w47 = date(2025, 11, 17)
    region = [r for r in rows.values() if r["week_start_date"] == w47 and r["region_code"] == "43"]
    numerator = sum(r["er_views_numerator"] for r in region)
    denominator = sum(r["er_views_denominator"] for r in region)
    with_ratio = [r["er_views"] for r in region if r["er_views"] is not None]
    mean = sum(with_ratio) / len(with_ratio)
    assert abs(Decimal(numerator) / denominator - mean) > Decimal("0.01")
    culture = rows[(world.page_keys["culture-1"], w47)]
    assert (culture["post_count"], culture["posts_with_views"], culture["er_views"], culture["err"]) == (
        2,
        0,
        None,
        None,
    )
    deleted = rows[(world.page_keys["school-2"], w47)]
    assert (deleted["subscribers"], deleted["is_active"], deleted["er_subscribers"]) == (0, False, None)


def test_best_posts_weekly_top_n_by_views_and_by_er_views(world):
    expected = w.best_posts(world, TOP_N, MIN_VIEWS)
    rows = w.fetch(world.url, "select * from marts.best_posts_weekly")
    actual = {(r["week_start_date"], r["sector"], r["region_code"], r["ranking"], r["rank"]): r for r in rows}
    assert {k: r["post_key"] for k, r in actual.items()} == expected
    posts = w.posts_fact(world)
    for r in rows:
        p = posts[r["post_key"]]
        assert (r["view_count"], r["interaction_count"]) == (p["view_count"], p["interaction_count"])
        assert r["post_url"] == "https://vk.com/wall-" + r["post_key"].removeprefix("vk:wall-")
        assert r["ranking"] == "views" or r["view_count"] >= MIN_VIEWS
    w47 = date(2025, 11, 17)
    top_views = [actual[(w47, "regional", "43", "views", n)] for n in range(1, TOP_N + 1)]
    group_views = [
        p["view_count"]
        for p in posts.values()
        if (p["week_start_date"], p["sector"], p["region_code"]) == (w47, "regional", "43")
    ]
    assert [r["view_count"] for r in top_views] == sorted(group_views, reverse=True)[:TOP_N]
    assert len(group_views) > TOP_N
    # the long multi-line text: one line, cut to 280 characters with an ellipsis
    pinned = next(r for r in rows if r["post_key"] == "vk:wall-4001_999" and r["ranking"] == "er_views")
    assert pinned["rank"] == 1 and pinned["week_start_date"] == w47
    assert len(pinned["post_text_preview"]) == 280 and pinned["post_text_preview"].endswith("…")
    assert "\n" not in pinned["post_text_preview"]
    assert pinned["post_text_preview"].startswith("Итоги недели в регионе: отремонтировано")
    # school-1's W46 post has 70 views (< 100): first by views, absent from the er_views list
    w46 = date(2025, 11, 10)
    assert actual[(w46, "school", "43", "views", 1)]["post_key"] == "vk:wall-2001_1"
    assert actual[(w46, "school", "43", "views", 1)]["view_count"] == 70
    assert (w46, "school", "43", "er_views", 1) not in actual


# ---------------------------------------------------------------- contracts, docs, exposures
def test_every_bi_mart_has_a_contract_russian_docs_and_dbt_docs_generate(world):
    target = world.tmp / "docs"
    dbt.run_dbt(["docs", "generate", "--static"], world.url, target_path=target, log_path=world.tmp / "logs")
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    assert (target / "index.html").exists() and (target / "static_index.html").stat().st_size > 100_000
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False  # the docs site tracks nothing
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for name in BI_MARTS:
        node = models[name]
        assert node["schema"] == "marts" and node["config"]["contract"]["enforced"] is True, name
        assert CYRILLIC.search(node["description"]), name
        table = catalog["nodes"][node["unique_id"]]
        assert table["metadata"]["comment"] == node["description"]  # persisted for BI tools
        columns = table["columns"]
        assert set(columns) == set(node["columns"]), name  # the contract is the table
        for column, spec in node["columns"].items():
            assert spec["data_type"], (name, column)
            assert CYRILLIC.search(spec["description"]), (name, column)
            assert columns[column]["comment"] == spec["description"], (name, column)
        if node["config"]["materialized"] == "incremental":
            assert node["config"]["on_schema_change"] in ("append_new_columns", "fail"), name
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {
        "superset_coverage",
        "superset_audience",
        "superset_compliance",
        "superset_engagement",
        "superset_rating",
        "municipality_rating_weekly_report",
        "best_posts_digest",
    } <= set(exposures)
    used = set()
    for exposure in exposures.values():
        assert exposure["owner"]["name"] and exposure["maturity"] and CYRILLIC.search(exposure["description"])
        for node_id in exposure["depends_on"]["nodes"]:
            assert manifest["nodes"][node_id]["schema"] == "marts", (exposure["name"], node_id)
            used.add(manifest["nodes"][node_id]["name"])
    assert set(BI_MARTS) - {"fct_post"} <= used


# ---------------------------------------------------------------- incremental builds
WEEKLY = {
    "fct_post": ("post_key",),
    "engagement_page_weekly": ("page_key", "week_start_date"),
    "best_posts_weekly": ("best_post_id",),
}
DAILY = {
    "page_compliance": ("page_key", "snapshot_date"),
    "region_summary": ("region_summary_id",),
    "sector_region_summary": ("sector_region_summary_id",),
}


def snapshot(url: str) -> dict[str, dict]:
    return {table: rows_by(url, table, *key) for table, key in {**WEEKLY, **DAILY}.items()}


def without_processed_at(rows: dict) -> dict:
    return {k: {c: v for c, v in r.items() if not c.endswith("processed_at")} for k, r in rows.items()}


def test_incremental_builds_touch_only_new_dates_and_weeks_and_equal_a_full_rebuild(fresh_db, tmp_path):
    world = w.prepare(fresh_db, tmp_path)
    for day in (w.D0, w.D1, w.D2):
        w.publish(world, day)
    w.build(fresh_db, tmp_path, vars=BUILD_VARS)
    first = snapshot(fresh_db)

    w.publish(world, w.D3)
    w.build(fresh_db, tmp_path, vars=BUILD_VARS)
    second = snapshot(fresh_db)
    # daily marts: the old dates untouched (same source_processed_at), D3 added
    for table in DAILY:
        old = {k: r for k, r in second[table].items() if r["snapshot_date"] != w.D3}
        assert old == first[table], table
        assert any(r["snapshot_date"] == w.D3 for r in second[table].values()), table
    # weekly marts: W46 is out of D3's reach (D3 re-reads 2025-11-18 … 11-26) and stays as it was;
    # W47 is re-computed with D3's counters
    w46, w47 = date(2025, 11, 10), date(2025, 11, 17)
    for table in WEEKLY:
        assert {k: r for k, r in second[table].items() if r["week_start_date"] == w46} == {
            k: r for k, r in first[table].items() if r["week_start_date"] == w46
        }, table
    region_gov_w47 = (world.page_keys["region-gov"], w47)
    assert (
        second["engagement_page_weekly"][region_gov_w47]["er_views_denominator"]
        > first["engagement_page_weekly"][region_gov_w47]["er_views_denominator"]
    )
    assert second["fct_post"]["vk:wall-4001_999"]["observed_on_date"] == w.D3
    assert first["fct_post"]["vk:wall-4001_999"]["observed_on_date"] == w.D2
    # D3 was processed alone: the kindergarten's last post (seen only by D0) comes from the table
    kindergarten = second["page_compliance"][(world.page_keys["kindergarten-1"], w.D3)]
    assert kindergarten["days_since_last_post"] == (w.D3 - date(2025, 11, 10)).days

    w.publish(world, w.D4)
    w.build(fresh_db, tmp_path, vars=BUILD_VARS)
    incremental = snapshot(fresh_db)
    assert incremental["fct_post"]["vk:wall-4001_999"]["observed_on_date"] == w.D3  # D4 is past the cut-off
    expected = w.compliance(world)
    for key, want in expected.items():
        got = incremental["page_compliance"][key]
        assert (got["compliance_score"], got["days_since_last_post"]) == (
            want["compliance_score"],
            want["days_since_last_post"],
        ), key

    w.build(fresh_db, tmp_path, vars=BUILD_VARS, full_refresh=True)
    rebuilt = snapshot(fresh_db)
    for table in (*WEEKLY, *DAILY):
        assert without_processed_at(rebuilt[table]) == without_processed_at(incremental[table]), table
