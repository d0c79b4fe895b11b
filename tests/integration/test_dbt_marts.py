"""The dbt project on the real warehouse: registry (CSV importer), reference data and VK loads
landed and published through ``gospubliki.warehouse.loads`` -> ``dbt build`` -> marts.

Every expected figure is computed here, in Python, from the rows the test itself landed
(subscriber sums, posts in the 7-day Moscow window, coverage, the rating's points, dense ranks,
rounding and dynamics), never copied from a dbt run.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import psycopg2
import psycopg2.extras
import pytest

from gospubliki import dates
from gospubliki.extract.vk import PAGE_COLUMNS, POST_COLUMNS
from gospubliki.reference.catalog import Municipality
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.registry.model import COLUMNS as REGISTRY_COLUMNS
from gospubliki.transform import dbt
from gospubliki.warehouse import db, loads

pytestmark = pytest.mark.integration

# Fri and Sun of ISO week 2025-W46, Fri of 2025-W47; D4 (Sat of W47) only ever has a rejected load
D1, D2, D3, D4 = date(2025, 11, 14), date(2025, 11, 16), date(2025, 11, 21), date(2025, 11, 22)
WINDOW_DAYS = 7
SECTORS_CSV = dbt.project_dir() / "seeds" / "sectors.csv"
SYNTHETIC = Municipality("12-test-okrug", "12", "Тестовый", "г.о.", 10_000, is_synthetic=True)

# institution rows of the registry CSV (the importer derives page keys from the links)
INSTITUTIONS = [
    dict(
        institution_id="omsu-kirov",
        name="Администрация города Кирова",
        sector="local",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
        vk_url="https://vk.com/club1001",
        telegram_url="@kirov_adm",
    ),
    dict(
        institution_id="omsu-kotelnich",
        name="Администрация города Котельнича",
        sector="local",
        level="municipal",
        region_code="43",
        municipality="43-kotelnich",
        vk_url="vk.com/club1002",
    ),
    dict(
        institution_id="omsu-kotelnichskiy",
        name="Администрация Котельничского района",
        sector="local",
        level="municipal",
        region_code="43",
        municipality="Котельничский м.р.",
        vk_url="vk.com/public1003",
    ),
    dict(
        institution_id="omsu-slobodskoy",
        name="Администрация города Слободского",
        sector="local",
        level="municipal",
        region_code="43",
        municipality="43-slobodskoy-gorod",
        vk_url="vk.com/slobodskoy_adm",
    ),
    dict(
        institution_id="omsu-chepetsk",
        name="Администрация города Кирово-Чепецка",
        sector="local",
        level="municipal",
        region_code="43",
        municipality="43-kirovo-chepetsk",
        vk_url="vk.com/club1005",
    ),
    dict(
        institution_id="omsu-test12",
        name="Администрация Тестового округа",
        sector="local",
        level="municipal",
        region_code="12",
        municipality="12-test-okrug",
        vk_url="vk.com/club1201",
    ),
    dict(
        institution_id="school-1",
        name="Школа № 1 г. Кирова",
        sector="school",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
        vk_url="vk.com/club2001",
    ),
    dict(
        institution_id="school-2",
        name="Школа № 2 г. Кирова",
        sector="school",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
    ),
    dict(
        institution_id="school-3",
        name="Школа № 3 г. Кирова",
        sector="school",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
        exemption_reason="официальная страница не ведётся на основании приказа № 1",
    ),
    dict(
        institution_id="school-4",
        name="Школа г. Котельнича",
        sector="school",
        level="municipal",
        region_code="43",
        municipality="43-kotelnich",
        vk_url="vk.com/club2004",
    ),
    dict(
        institution_id="hospital-1",
        name="Кировская областная больница",
        sector="hospital",
        level="regional",
        region_code="43",
        vk_url="vk.com/club3001",
    ),
    dict(
        institution_id="region-gov",
        name="Правительство Кировской области",
        sector="regional",
        level="regional",
        region_code="43",
        vk_url="vk.com/club4001",
        ok_url="ok.ru/group/5000",
    ),
    dict(
        institution_id="minzdrav",
        name="Министерство здравоохранения РФ",
        sector="federal",
        level="federal",
        region_code="77",
        vk_url="vk.com/club7001",
    ),
]


@dataclass
class VkPage:
    """How one institution's VK community behaves over the test days."""

    group_id: int
    members: int
    verified: bool = False
    design: tuple[bool, bool, bool] = (False, False, False)  # avatar, cover, description
    post_times: tuple[tuple[int, int], ...] = ()  # Moscow (hour, minute) of posts on a posting day
    post_every: int = 1  # posts every N-th day
    base_views: int = 100
    first_date: date | None = None  # not in the loads before this date
    deactivated_from: date | None = None
    verified_from: date | None = None


VK_PAGES = {
    # posts at 00:10 and 23:30 Moscow time every day: the window edges in Moscow vs UTC matter
    "omsu-kirov": VkPage(
        1001, 50_000, verified=True, design=(True, True, True), post_times=((0, 10), (23, 30)), base_views=900
    ),
    # the two Котельнич municipalities behave alike (a tie) until the district gets its badge on D3
    "omsu-kotelnich": VkPage(
        1002, 900, design=(True, False, True), post_times=((12, 0),), post_every=2, base_views=150
    ),
    "omsu-kotelnichskiy": VkPage(
        1003, 500, post_times=((12, 0),), post_every=2, base_views=150, verified_from=D3
    ),
    "omsu-slobodskoy": VkPage(
        1004,
        2_000,
        verified=True,
        design=(True, True, True),
        post_times=((9, 0),),
        base_views=300,
        deactivated_from=D3,
    ),
    "omsu-chepetsk": VkPage(1005, 7_000, post_times=((10, 0),), base_views=400, first_date=D3),
    "omsu-test12": VkPage(1201, 300),
    "school-1": VkPage(2001, 1_200, design=(True, True, False), post_times=((15, 0),), base_views=200),
    "school-4": VkPage(2004, 0, deactivated_from=date(2025, 1, 1)),
    "hospital-1": VkPage(3001, 4_000, post_times=((11, 0),), post_every=3, base_views=500),
    "region-gov": VkPage(
        4001,
        120_000,
        verified=True,
        design=(True, True, True),
        post_times=((8, 0), (13, 0), (19, 0)),
        base_views=5_000,
    ),
    "minzdrav": VkPage(
        7001, 800_000, verified=True, design=(True, True, True), post_times=((10, 0),), base_views=20_000
    ),
}


def round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def moscow_date(moment: datetime) -> date:
    return moment.astimezone(dates.MOSCOW).date()


@dataclass
class World:
    """What the test landed: page and post rows of each load, as dicts keyed by column."""

    url: str
    page_keys: dict[str, str]  # institution_id -> VK page_key from the registry
    published: dict[date, tuple[int, list[dict], list[dict]]] = field(default_factory=dict)  # date -> load
    rejected_load_id: int | None = None
    pending_load_id: int | None = None

    def page_rows(self, day: date) -> list[dict]:
        return self.published[day][1]

    def post_rows(self, day: date) -> list[dict]:
        return self.published[day][2]


def vk_load_rows(page_keys: dict[str, str], day: date, members_bonus: int = 0, drop: frozenset = frozenset()):
    """Page and post rows of the VK load for ``day`` as the extractor would land them: posts from
    a day more than the window (and the next morning's, extracted at 03:00 MSK), plus one old
    pinned post, so the models must apply the 7-day Moscow window themselves."""
    page_rows, post_rows = [], []
    for institution_id, spec in VK_PAGES.items():
        if spec.first_date and day < spec.first_date or institution_id in drop:
            continue
        page_key = page_keys[institution_id]
        deactivated = spec.deactivated_from is not None and day >= spec.deactivated_from
        if deactivated:
            page_rows.append(
                dict(
                    snapshot_date=day,
                    page_key=page_key,
                    group_id=spec.group_id,
                    screen_name=None,
                    name="DELETED",
                    members_count=None,
                    is_verified=None,
                    is_closed=0,
                    deactivated="deleted",
                    has_description=None,
                    has_cover=None,
                    has_avatar=None,
                    fetch_status="deactivated",
                    error_reason="community deleted",
                    payload={"id": spec.group_id, "deactivated": "deleted"},
                )
            )
            continue
        verified = spec.verified or (spec.verified_from is not None and day >= spec.verified_from)
        avatar, cover, description = spec.design
        page_rows.append(
            dict(
                snapshot_date=day,
                page_key=page_key,
                group_id=spec.group_id,
                screen_name=f"club{spec.group_id}",
                name=f"Сообщество {spec.group_id}",
                members_count=spec.members + 10 * (day - D1).days + members_bonus,
                is_verified=verified,
                is_closed=0,
                deactivated=None,
                has_description=description,
                has_cover=cover,
                has_avatar=avatar,
                fetch_status="ok",
                error_reason=None,
                payload={"id": spec.group_id},
            )
        )
        extracted_at = datetime(day.year, day.month, day.day, 3, 0, tzinfo=dates.MOSCOW) + timedelta(days=1)
        oldest = datetime(day.year, day.month, day.day, tzinfo=dates.MOSCOW) - timedelta(days=WINDOW_DAYS)
        posts = [(1, datetime(2025, 10, 1, 12, 0, tzinfo=dates.MOSCOW), True)] if spec.post_times else []
        for offset in range(-WINDOW_DAYS - 1, 2):
            posting_day = day + timedelta(days=offset)
            if (posting_day - date(2025, 1, 1)).days % spec.post_every:
                continue
            for hour, minute in spec.post_times:
                moment = datetime(
                    posting_day.year, posting_day.month, posting_day.day, hour, minute, tzinfo=dates.MOSCOW
                )
                if oldest <= moment < extracted_at:
                    post_id = (
                        (posting_day - date(2025, 1, 1)).days * 10 + spec.post_times.index((hour, minute)) + 2
                    )
                    posts.append((post_id, moment, False))
        for post_id, moment, pinned in posts:
            age = (day - moscow_date(moment)).days
            post_rows.append(
                dict(
                    snapshot_date=day,
                    page_key=page_key,
                    group_id=spec.group_id,
                    post_id=post_id,
                    posted_at=moment.astimezone(UTC),
                    is_pinned=pinned,
                    views=None if post_id % 11 == 0 else spec.base_views + 37 * max(age, 0) + post_id % 17,
                    likes=post_id % 13 + max(age, 0),
                    reposts=post_id % 3,
                    comments=post_id % 5,
                    text=f"Новость {post_id}",
                    payload={"id": post_id},
                )
            )
    return page_rows, post_rows


def land_vk(world_url: str, day: date, page_rows: list[dict], post_rows: list[dict]) -> int:
    batches = [
        loads.RawBatch("raw.vk_pages", PAGE_COLUMNS, [tuple(r[c] for c in PAGE_COLUMNS) for r in page_rows]),
        loads.RawBatch("raw.vk_posts", POST_COLUMNS, [tuple(r[c] for c in POST_COLUMNS) for r in post_rows]),
    ]
    return loads.land("vk", day, batches, requests=3, url=world_url).load_id


def publish_vk(world: World, day: date, **kwargs) -> int:
    page_rows, post_rows = vk_load_rows(world.page_keys, day, **kwargs)
    load_id = land_vk(world.url, day, page_rows, post_rows)
    loads.publish(load_id, url=world.url)
    world.published[day] = (load_id, page_rows, post_rows)
    return load_id


def import_registry_rows(url: str, tmp_path, institutions: list[dict]) -> None:
    """Write the registry CSV and import it with the real importer (it replaces the registry)."""
    path = tmp_path / "registry.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=REGISTRY_COLUMNS)
        writer.writeheader()
        for row in institutions:
            writer.writerow({c: row.get(c, "") for c in REGISTRY_COLUMNS})
    report = import_registry(path, url=url)
    assert report.institutions == len(institutions), report


def prepare_world(url: str, tmp_path) -> World:
    """Reference data, the registry imported from CSV, no loads yet."""
    db.apply_schema(url)
    load_reference(url, extra_municipalities=[SYNTHETIC])
    import_registry_rows(url, tmp_path, INSTITUTIONS)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select institution_id, page_key from registry.pages where network = 'vk'")
        page_keys = dict(cur.fetchall())
    assert set(page_keys) == set(VK_PAGES)
    return World(url=url, page_keys=page_keys)


def run_build(url: str, tmp_path, **kwargs):
    started = time.monotonic()
    result = dbt.build(url, target_path=tmp_path / "target", log_path=tmp_path / "logs", **kwargs)
    print(f"dbt build {kwargs or ''} took {time.monotonic() - started:.1f} s")
    return result


def fetch(url: str, sql: str, params=()) -> list[dict]:
    with psycopg2.connect(url) as conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(sql, params)
        rows = [dict(r) for r in cur.fetchall()]
    conn.close()
    return rows


# ---------------------------------------------------------------- independent expectations
def expected_page_days(world: World) -> dict[tuple[str, date], dict]:
    """fct_page_daily computed in Python from the landed rows."""
    institution_of = {key: inst for inst, key in world.page_keys.items()}
    institutions = {row["institution_id"]: row for row in INSTITUTIONS}
    out = {}
    for day, (load_id, page_rows, post_rows) in world.published.items():
        first = day - timedelta(days=WINDOW_DAYS - 1)
        for page in page_rows:
            in_window = [
                p
                for p in post_rows
                if p["page_key"] == page["page_key"] and first <= moscow_date(p["posted_at"]) <= day
            ]
            institution = institutions[institution_of[page["page_key"]]]
            read = page["fetch_status"] == "ok"  # posts of other pages: «нет данных» (None), not 0

            def known(values, read=read):
                return sum(values) if read else None

            out[(page["page_key"], day)] = dict(
                load_id=load_id,
                institution_id=institution["institution_id"],
                sector=institution["sector"],
                level=institution["level"],
                region_code=institution["region_code"],
                fetch_status=page["fetch_status"],
                is_active=page["fetch_status"] in ("ok", "posts_unread"),
                are_posts_read=read,
                members_count=page["members_count"],
                is_verified=bool(page["is_verified"]),
                has_full_design=bool(page["has_avatar"] and page["has_cover"] and page["has_description"]),
                posts_7d=len(in_window) if read else None,
                views_7d=known(p["views"] or 0 for p in in_window),
                likes_7d=known(p["likes"] for p in in_window),
                reposts_7d=known(p["reposts"] for p in in_window),
                comments_7d=known(p["comments"] for p in in_window),
                last_post_at=max((p["posted_at"] for p in in_window), default=None),
            )
    return out


def municipality_of(institution_id: str) -> str | None:
    """The registry municipality id of an institution (the CSV may give it as 'name type')."""
    value = next(r for r in INSTITUTIONS if r["institution_id"] == institution_id).get("municipality")
    return {"Котельничский м.р.": "43-kotelnichskiy"}.get(value, value)


def reference_municipalities(url: str) -> dict[str, dict]:
    return {r["municipality_id"]: r for r in fetch(url, "select * from reference.municipalities")}


# ---------------------------------------------------------------- the shared warehouse
@pytest.fixture(scope="module")
def built(module_db, tmp_path_factory) -> World:
    """Three published VK dates, a rejected load (D4) and a landed-but-unpublished one (D3),
    then one ``dbt build``."""
    tmp = tmp_path_factory.mktemp("dbt_marts")
    world = prepare_world(module_db, tmp)
    for day in (D1, D2, D3):
        publish_vk(world, day)
    # validation failed: landed, then rejected; enormous figures that must never show up
    rejected_pages, rejected_posts = vk_load_rows(world.page_keys, D4, members_bonus=9_000_000)
    world.rejected_load_id = land_vk(module_db, D4, rejected_pages, rejected_posts)
    loads.reject(world.rejected_load_id, "volume expectation failed", url=module_db)
    # a re-run of D3 that landed but was never validated: invisible as well
    pending_pages, pending_posts = vk_load_rows(world.page_keys, D3, members_bonus=8_000_000)
    world.pending_load_id = land_vk(module_db, D3, pending_pages, pending_posts)
    run_build(module_db, tmp)
    return world


def test_fct_page_daily_has_one_row_per_published_page_day_with_window_metrics(built):
    expected = expected_page_days(built)
    rows = fetch(built.url, "select * from marts.fct_page_daily")
    actual = {(r["page_key"], r["snapshot_date"]): r for r in rows}
    assert set(actual) == set(expected)
    assert len(rows) == len(expected) == sum(len(built.page_rows(d)) for d in (D1, D2, D3))
    for key, want in expected.items():
        got = actual[key]
        for column, value in want.items():
            assert got[column] == value, (key, column, got[column], value)
        assert got["network"] == "vk"
        assert "page_day_id" not in got  # the row is (page_key, snapshot_date): issue #10, 29 bytes a row
    kirov = expected[(built.page_keys["omsu-kirov"], D2)]
    # two posts a day at 00:10 and 23:30 MSK: exactly 7 days of them, whatever the extractor over-read
    assert kirov["posts_7d"] == 14
    assert kirov["last_post_at"] == datetime(2025, 11, 16, 23, 30, tzinfo=dates.MOSCOW)


def test_rejected_and_unpublished_loads_reach_no_mart(built):
    assert loads.get(built.rejected_load_id, url=built.url)["status"] == "failed"
    assert loads.get(built.pending_load_id, url=built.url)["status"] == "loaded"
    dated_marts = [
        r["table_name"]
        for r in fetch(
            built.url,
            """select table_name from information_schema.columns
                      where table_schema = 'marts' and column_name = 'snapshot_date'""",
        )
    ]
    assert {"fct_page_daily", "national_summary", "sector_summary", "municipality_summary"} <= set(
        dated_marts
    )
    for table in dated_marts:
        seen = {r["d"] for r in fetch(built.url, f"select distinct snapshot_date as d from marts.{table}")}
        assert seen == {D1, D2, D3}, table
    assert (
        fetch(
            built.url,
            "select count(*) as n from marts.fct_page_daily where load_id in (%s, %s)",
            (built.rejected_load_id, built.pending_load_id),
        )[0]["n"]
        == 0
    )
    assert fetch(built.url, "select max(subscribers) as m from marts.national_summary")[0]["m"] < 8_000_000
    # W47's only published date is D3: the rejected Saturday does not become the period's end
    ends = {
        r["period_id"]: r["period_end_date"]
        for r in fetch(built.url, "select distinct period_id, period_end_date from marts.municipality_rating")
    }
    assert ends == {"2025-W46": D2, "2025-W47": D3}


def test_national_summary_per_network_and_all(built):
    expected_days = expected_page_days(built)
    rows = fetch(built.url, "select * from marts.national_summary order by snapshot_date, network")
    assert {(r["snapshot_date"], r["network"]) for r in rows} == {
        (d, n) for d in (D1, D2, D3) for n in ("vk", "all")
    }
    for r in rows:
        day_rows = [v for (_, d), v in expected_days.items() if d == r["snapshot_date"]]
        active = [v for v in day_rows if v["is_active"]]
        assert r["institutions"] == len(INSTITUTIONS)
        assert r["institutions_required"] == len([i for i in INSTITUTIONS if not i.get("exemption_reason")])
        assert r["institutions_with_pages"] == len({v["institution_id"] for v in active})
        assert r["pages"] == len(active)
        assert r["pages_unavailable"] == len(day_rows) - len(active)
        assert r["subscribers"] == sum(v["members_count"] for v in active)
        assert r["posts_per_week"] == sum(v["posts_7d"] or 0 for v in day_rows)  # read pages only
        assert r["institutions_with_pages_percent"] == round_half_up(
            Decimal(len({v["institution_id"] for v in active})) * 100 / len(INSTITUTIONS), 1
        )


def test_sector_summary_targets_created_and_to_create(built):
    expected_days = expected_page_days(built)
    with SECTORS_CSV.open(encoding="utf-8") as fh:
        labels = {r["sector"]: r["label_ru"] for r in csv.DictReader(fh)}
    rows = fetch(built.url, "select * from marts.sector_summary")
    assert {(r["snapshot_date"], r["sector"]) for r in rows} == {(d, s) for d in (D1, D2, D3) for s in labels}
    for r in rows:
        sector_institutions = [i for i in INSTITUTIONS if i["sector"] == r["sector"]]
        targets = {i["institution_id"] for i in sector_institutions if not i.get("exemption_reason")}
        day_rows = [
            v for (_, d), v in expected_days.items() if d == r["snapshot_date"] and v["sector"] == r["sector"]
        ]
        created = {v["institution_id"] for v in day_rows if v["is_active"]} & targets
        assert r["sector_label"] == labels[r["sector"]]
        assert r["institutions"] == len(sector_institutions)
        assert r["target_institutions"] == len(targets)
        assert r["created_institutions"] == len(created)
        assert r["to_create_institutions"] == len(targets) - len(created)
        assert r["pages"] == len([v for v in day_rows if v["is_active"]])
        assert r["subscribers"] == sum(v["members_count"] for v in day_rows if v["is_active"])
        assert r["posts_per_week"] == sum(v["posts_7d"] or 0 for v in day_rows)  # read pages only
    schools = next(r for r in rows if r["sector"] == "school" and r["snapshot_date"] == D1)
    # school-1 has a page, school-2 has none, school-3 is exempt, school-4's page is deleted
    assert (
        schools["target_institutions"],
        schools["created_institutions"],
        schools["to_create_institutions"],
    ) == (3, 1, 2)
    assert next(r for r in rows if r["sector"] == "sport")["target_institutions"] == 0


def test_municipality_summary_subscribers_per_thousand(built):
    expected_days = expected_page_days(built)
    municipalities = reference_municipalities(built.url)
    in_registry = {municipality_of(i["institution_id"]) for i in INSTITUTIONS} - {None}
    rows = fetch(built.url, "select * from marts.municipality_summary")
    assert {(r["snapshot_date"], r["municipality_id"]) for r in rows} == {
        (d, m) for d in (D1, D2, D3) for m in in_registry
    }
    for r in rows:
        m = r["municipality_id"]
        members = [i["institution_id"] for i in INSTITUTIONS if municipality_of(i["institution_id"]) == m]
        day_rows = [
            v
            for (_, d), v in expected_days.items()
            if d == r["snapshot_date"] and v["institution_id"] in members
        ]
        active = [v for v in day_rows if v["is_active"]]
        subscribers = sum(v["members_count"] for v in active)
        assert r["institutions"] == len(members)
        assert r["institutions_with_pages"] == len({v["institution_id"] for v in active})
        assert r["pages"] == len(active)
        assert r["subscribers"] == subscribers
        assert r["population"] == municipalities[m]["population"]
        assert r["subscribers_per_1000"] == round_half_up(
            Decimal(subscribers) * 1000 / municipalities[m]["population"], 2
        )
        assert r["posts_per_week"] == sum(v["posts_7d"] or 0 for v in day_rows)  # read pages only
        ref = municipalities[m]
        assert r["municipality_display_name"] == f"{ref['name']} {ref['municipality_type']}"


# The rating marts (municipality_rating_criteria, municipality_rating) are tested in
# test_rating_marts.py with data built for their rules.


# ---------------------------------------------------------------- incremental behaviour
def fct_rows(url: str) -> dict[tuple[str, date], dict]:
    return {(r["page_key"], r["snapshot_date"]): r for r in fetch(url, "select * from marts.fct_page_daily")}


SUMMARIES = ("national_summary", "sector_summary", "municipality_summary")


def summary_rows(url: str) -> dict[str, dict[str, dict]]:
    """Rows of the incremental summaries, by table and primary key."""
    return {
        table: {r[f"{table}_id"]: r for r in fetch(url, f"select * from marts.{table}")}
        for table in SUMMARIES
    }


def test_incremental_rebuild_is_idempotent_and_a_republished_date_replaces_only_that_date(fresh_db, tmp_path):
    world = prepare_world(fresh_db, tmp_path)
    publish_vk(world, D1)
    publish_vk(world, D2)
    run_build(fresh_db, tmp_path)
    first = fct_rows(fresh_db)
    summaries = summary_rows(fresh_db)
    assert {d for _, d in first} == {D1, D2}
    assert all({r["snapshot_date"] for r in rows.values()} == {D1, D2} for rows in summaries.values())

    # the same data again: nothing to process, rows untouched (processed_at proves it)
    run_build(fresh_db, tmp_path)
    assert fct_rows(fresh_db) == first
    assert summary_rows(fresh_db) == summaries

    # a failed re-run of D1 changes nothing downstream
    bad_pages, bad_posts = vk_load_rows(world.page_keys, D1, members_bonus=5_000_000)
    loads.reject(land_vk(fresh_db, D1, bad_pages, bad_posts), "expectation failed", url=fresh_db)
    # the registry grows by a school without a page; then D2 is re-run: more subscribers everywhere
    # and the hospital's page missing from the new load
    new_school = dict(
        institution_id="school-5",
        name="Школа № 5 г. Кирова",
        sector="school",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
    )
    import_registry_rows(fresh_db, tmp_path, [*INSTITUTIONS, new_school])
    old_d2_load = world.published[D2][0]
    new_d2_load = publish_vk(world, D2, members_bonus=1_000, drop=frozenset({"hospital-1"}))
    assert loads.get(old_d2_load, url=fresh_db)["status"] == "superseded"
    run_build(fresh_db, tmp_path)
    after = fct_rows(fresh_db)

    d1_before = {k: v for k, v in first.items() if k[1] == D1}
    assert {k: v for k, v in after.items() if k[1] == D1} == d1_before  # untouched, same processed_at
    d2_after = {k: v for k, v in after.items() if k[1] == D2}
    assert {v["load_id"] for v in d2_after.values()} == {new_d2_load}
    assert (world.page_keys["hospital-1"], D2) not in d2_after
    assert len(d2_after) == len(world.page_rows(D2)) == len([k for k in first if k[1] == D2]) - 1
    expected = expected_page_days(world)
    for key, row in d2_after.items():
        assert row["members_count"] == expected[key]["members_count"]
        assert row["processed_at"] > first[(world.page_keys["omsu-kirov"], D1)]["processed_at"]

    # the summaries re-computed D2 only
    summaries_after = summary_rows(fresh_db)
    for table in SUMMARIES:
        d1_rows = {k: r for k, r in summaries_after[table].items() if r["snapshot_date"] == D1}
        assert d1_rows == {k: r for k, r in summaries[table].items() if r["snapshot_date"] == D1}, table
        d2_rows = [r for r in summaries_after[table].values() if r["snapshot_date"] == D2]
        assert d2_rows and all(r["source_processed_at"] == row["processed_at"] for r in d2_rows), table
    national = {(r["snapshot_date"], r["network"]): r for r in summaries_after["national_summary"].values()}
    active_d2 = [r for r in world.page_rows(D2) if r["fetch_status"] == "ok"]
    assert national[(D2, "vk")]["subscribers"] == sum(r["members_count"] for r in active_d2)
    assert national[(D2, "all")]["pages"] == len(active_d2)
    # counts of the registry as of processing: D1 keeps the old registry, D2 has the new school
    assert (national[(D1, "all")]["institutions"], national[(D2, "all")]["institutions"]) == (
        len(INSTITUTIONS),
        len(INSTITUTIONS) + 1,
    )
    hospitals = {
        (r["snapshot_date"]): r
        for r in summaries_after["sector_summary"].values()
        if r["sector"] == "hospital"
    }
    assert (hospitals[D1]["created_institutions"], hospitals[D2]["created_institutions"]) == (1, 0)

    # the incremental tables equal a full rebuild of the same data, except that a full rebuild
    # counts today's registry for every date: D1 gets the new school too
    run_build(fresh_db, tmp_path, full_refresh=True)

    def plus_one(row: dict, *columns: str) -> None:
        for column in columns:
            row[column] += 1

    for row in summaries_after["national_summary"].values():
        if row["snapshot_date"] == D1:
            plus_one(row, "institutions", "institutions_required")
            row["institutions_with_pages_percent"] = round_half_up(
                Decimal(row["institutions_with_pages"]) * 100 / row["institutions"], 1
            )
    def coverage(row: dict) -> Decimal:
        return round_half_up(Decimal(row["created_institutions"]) * 100 / row["target_institutions"], 1)

    for row in summaries_after["sector_summary"].values():
        if row["snapshot_date"] == D1 and row["sector"] == "school":
            plus_one(row, "institutions", "target_institutions", "to_create_institutions")
            row["coverage_percent"] = coverage(row)
    for row in summaries_after["municipality_summary"].values():
        if row["snapshot_date"] == D1 and row["municipality_id"] == "43-kirov":
            plus_one(row, "institutions", "target_institutions", "to_create_institutions")
            row["coverage_percent"] = coverage(row)

    def strip(rows):
        return {
            k: {c: v for c, v in r.items() if c not in ("processed_at", "source_processed_at")}
            for k, r in rows.items()
        }

    assert strip(fct_rows(fresh_db)) == strip(after)
    rebuilt = summary_rows(fresh_db)
    for table in SUMMARIES:
        assert strip(rebuilt[table]) == strip(summaries_after[table]), table


def test_a_page_is_shown_under_its_latest_name(fresh_db, tmp_path):
    """The page-level facts store no name (issue #10: ≈ 100 of each row's bytes); the marts show
    the name of the newest load that read the page (int_page_names_latest): a renamed page shows
    its new name on every date, a deleted community's «DELETED» or a backfill of an older date
    does not change it, a re-run of the latest date does."""
    world = prepare_world(fresh_db, tmp_path)
    school, sloboda, gone = (world.page_keys[i] for i in ("school-1", "omsu-slobodskoy", "school-4"))
    new_name = "Школа № 1 г. Кирова — официальная страница"

    def publish(day: date, name: str | None = None) -> None:
        pages, posts = vk_load_rows(world.page_keys, day)
        for row in pages:
            if name and row["page_key"] == school:
                row["name"] = name
        loads.publish(land_vk(fresh_db, day, pages, posts), url=fresh_db)

    def names() -> dict[str, str | None]:
        return {r["page_key"]: r["page_name"] for r in fetch(fresh_db, "select page_key, page_name from marts.dim_page")}

    def shown(mart: str) -> set[str]:
        return {r["page_name"] for r in fetch(fresh_db, f"select page_name from marts.{mart} where page_key = %s",
                                               (school,))}

    def stored_columns(mart: str) -> set[str]:
        return {r["column_name"] for r in fetch(
            fresh_db, "select column_name from information_schema.columns"
                      " where table_schema = 'marts' and table_name = %s", (mart,))}

    publish(D1)
    publish(D2, new_name)
    publish(D3, new_name)
    run_build(fresh_db, tmp_path)
    # the page-level facts store no name (issue #10: ≈ 100 bytes of each row); the weekly one no id
    for mart in ("fct_page_daily", "engagement_page_weekly", "fct_post"):
        assert "page_name" not in stored_columns(mart) and "page_key" in stored_columns(mart), mart
    assert "engagement_page_weekly_id" not in stored_columns("engagement_page_weekly")
    # slobodskoy's community is deleted on D3 (VK names it «DELETED»); school-4's always was
    assert (names()[school], names()[sloboda], names()[gone]) == (new_name, "Сообщество 1004", None)
    assert shown("page_compliance") == shown("best_posts_weekly") == {new_name}
    assert len(fetch(fresh_db, "select 1 from marts.page_compliance where page_key = %s", (school,))) == 3

    publish(D1)  # a re-run of an older date, under the old name: a backfill, the name stays
    run_build(fresh_db, tmp_path)
    assert names()[school] == new_name

    publish(D3, "Школа № 1")  # a re-run of the latest date: its name is the latest
    run_build(fresh_db, tmp_path)
    assert names()[school] == "Школа № 1"
    assert shown("page_compliance") == {"Школа № 1"}
