"""The rating marts on the real warehouse: registry imported from CSV, VK and OK loads landed and
published through ``gospubliki.warehouse.loads``, expert scores imported from CSV, ``dbt build``,
then ``marts.municipality_rating(_criteria)`` and the Python table/exports read from them.

Every expected figure is computed here, in Python, from the rows the test landed and the seed
CSVs read with the csv module (metrics, thresholds, points, half-up percent, dense places,
dynamics, missing criteria) — never copied from a dbt run.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import psycopg2
import psycopg2.extras
import pytest

from gospubliki import dates
from gospubliki.extract import ok_rows
from gospubliki.extract.vk import PAGE_COLUMNS as VK_PAGE_COLUMNS
from gospubliki.extract.vk import POST_COLUMNS as VK_POST_COLUMNS
from gospubliki.reference.catalog import Municipality
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.registry.model import COLUMNS as REGISTRY_COLUMNS
from gospubliki.reports import rating
from gospubliki.reports.manual import import_manual_scores
from gospubliki.transform import dbt
from gospubliki.warehouse import db, loads

pytestmark = pytest.mark.integration

SEEDS = dbt.project_dir() / "seeds"
# Fri and Sun of ISO week 2025-W46, Fri of 2025-W47, Fri of 2025-W48
D1, D2, D3, D4 = date(2025, 11, 14), date(2025, 11, 16), date(2025, 11, 21), date(2025, 11, 28)
SYNTHETIC = Municipality("12-test-okrug", "12", "Тестовый", "г.о.", 10_000, is_synthetic=True)
NETWORKS = ("vk", "ok", "tg")


def omsu(institution_id, municipality, region_code=None, **links):
    return dict(
        institution_id=institution_id,
        name=f"Администрация {institution_id}",
        sector="local",
        level="municipal",
        region_code=region_code or municipality[:2],
        municipality=municipality,
        **links,
    )


INSTITUTIONS = [
    omsu("omsu-kirov", "43-kirov", vk_url="vk.com/club1001", ok_url="ok.ru/group/5001"),
    omsu("omsu-kotelnich", "43-kotelnich", vk_url="vk.com/club1002"),
    omsu("omsu-kotelnichskiy", "Котельничский м.р.", "43", vk_url="vk.com/public1003"),
    omsu("omsu-slobodskoy", "43-slobodskoy-gorod", vk_url="vk.com/club1004"),
    omsu("omsu-chepetsk", "43-kirovo-chepetsk", vk_url="vk.com/club1005"),
    omsu("omsu-darovskoy", "43-darovskoy", vk_url="vk.com/club1006"),
    omsu("omsu-kumenskiy", "43-kumenskiy"),  # no pages at all: rated with zeros
    dict(
        omsu("omsu-zuevskiy", "43-zuevskiy"), exemption_reason="страница не ведётся на основании решения № 5"
    ),
    omsu("omsu-test12", "12-test-okrug", vk_url="vk.com/club1201"),
    # a school of Киров with a huge page: not an ОМСУ page, never counts
    dict(
        institution_id="school-1",
        name="Школа № 1",
        sector="school",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
        vk_url="vk.com/club2001",
    ),
]
# a municipality whose ОМСУ joins the registry later (the incremental test): «новый»
LATE_OMSU = omsu("omsu-kumeny-late", "43-verkhoshizhemskiy", vk_url="vk.com/club1007")


@dataclass
class PageState:
    """One page on one snapshot date."""

    members: int
    verified: bool = False
    design: bool = False
    posts: int = 0
    views: int = 0  # per post
    likes: int = 0  # per post
    reposts: int = 0
    comments: int = 0
    status: str = "ok"  # ok | deactivated | error


KOTELNICH = PageState(1500, design=True, posts=4, views=350, likes=6, reposts=1, comments=1)


def states(day: date) -> dict[tuple[str, str], PageState]:
    """(institution_id, network) -> page state on ``day``: absent keys are not in that day's load."""
    w47 = day >= D3
    s = {
        ("omsu-kirov", "vk"): PageState(
            50_000, True, True, posts=14, views=900, likes=20, reposts=2, comments=3
        ),
        ("omsu-kirov", "ok"): PageState(8_000, posts=2, views=100, likes=1),
        # Котельнич and Котельничский район: the same figures (a tie in W46) until the district gets
        # the badge in W47
        ("omsu-kotelnich", "vk"): KOTELNICH,
        ("omsu-kotelnichskiy", "vk"): PageState(
            700, verified=w47, design=True, posts=4, views=350, likes=6, reposts=1, comments=1
        ),
        # deleted in W47: falls
        ("omsu-slobodskoy", "vk"): PageState(
            2_000, True, True, posts=7, views=300, likes=3, status="deactivated" if w47 else "ok"
        ),
        # the API failed on this page in W47: VK presence unknown that week
        ("omsu-darovskoy", "vk"): PageState(
            900, posts=1, views=200, likes=10, status="error" if w47 else "ok"
        ),
        ("omsu-test12", "vk"): PageState(300, posts=3, views=50),
        ("school-1", "vk"): PageState(900_000, True, True, posts=70, views=90_000, likes=9_000),
    }
    if w47:  # Кирово-Чепецк's page appears in the loads from W47 on
        s[("omsu-chepetsk", "vk")] = PageState(7_000, posts=3, views=400, likes=4)
    if day >= D4:
        s[("omsu-kumeny-late", "vk")] = PageState(100, posts=3, views=500, likes=10)
    return s


# networks loaded on each date: OK only on D1 — W46 reads OK from D1 (its latest OK load of the
# week, although the week's last date D2 has none); W47 has no OK data at all
LOADED = {D1: {"vk", "ok"}, D2: {"vk"}, D3: {"vk"}, D4: {"vk"}}


@dataclass
class Landed:
    url: str
    page_keys: dict[tuple[str, str], str]  # (institution_id, network) -> registry page_key
    published: dict[date, dict[tuple[str, str], PageState]] = field(default_factory=dict)
    institutions: list[dict] = field(default_factory=lambda: list(INSTITUTIONS))


def import_registry_rows(url: str, tmp_path, institutions: list[dict]) -> dict[tuple[str, str], str]:
    path = tmp_path / "registry.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=REGISTRY_COLUMNS)
        writer.writeheader()
        for row in institutions:
            writer.writerow({c: row.get(c, "") for c in REGISTRY_COLUMNS})
    report = import_registry(path, url=url)
    assert report.institutions == len(institutions), report.rejects
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select institution_id, network, page_key from registry.pages")
        return {(i, n): k for i, n, k in cur.fetchall()}


def _post_times(day: date, n: int) -> list[datetime]:
    """n posts spread over the 7 Moscow days ending on ``day`` (all inside the window)."""
    return [
        datetime(day.year, day.month, day.day, 9, 0, tzinfo=dates.MOSCOW)
        - timedelta(days=i % 7, minutes=i // 7)
        for i in range(n)
    ]


def publish(world: Landed, day: date, changes: dict | None = None) -> None:
    """Land and publish one load per network loaded on ``day`` (rows as the extractors write them);
    ``changes`` overrides page states of that day."""
    day_states = states(day) | (changes or {})
    for network in sorted(LOADED[day]):
        pages, posts = [], []
        for (institution_id, net), st in day_states.items():
            key = world.page_keys.get((institution_id, net))
            if net != network or key is None:
                continue
            group_id = int(key.split(":")[1])
            active = st.status == "ok"
            if network == "vk":
                pages.append(
                    (
                        day,
                        key,
                        group_id,
                        f"club{group_id}",
                        f"Сообщество {group_id}",
                        st.members if active else None,
                        st.verified if active else None,
                        0,
                        "deleted" if st.status == "deactivated" else None,
                        st.design if active else None,
                        st.design if active else None,
                        st.design if active else None,
                        st.status,
                        None if active else f"{st.status} in test",
                        {"id": group_id},
                    )
                )
            else:
                pages.append(
                    (
                        day,
                        key,
                        group_id,
                        None,
                        f"Группа {group_id}",
                        st.members if active else None,
                        st.verified if active else None,
                        "OPEN",
                        False,
                        st.design,
                        st.design,
                        st.design,
                        st.status,
                        None if active else f"{st.status} in test",
                        {"uid": group_id},
                    )
                )
            if not active:
                continue
            for moment in _post_times(day, st.posts):
                i = int(moment.timestamp()) // 60  # the same post keeps its id on later dates
                values = (st.views, st.likes, st.reposts, st.comments, f"Новость {i}", {"id": i})
                if network == "vk":
                    posts.append((day, key, group_id, i, moment.astimezone(UTC), False, *values))
                else:
                    posts.append((day, key, group_id, i, moment.astimezone(UTC), *values))
        if network == "vk":
            batches = [
                loads.RawBatch("raw.vk_pages", VK_PAGE_COLUMNS, pages),
                loads.RawBatch("raw.vk_posts", VK_POST_COLUMNS, posts),
            ]
        else:
            batches = [
                loads.RawBatch("raw.ok_pages", ok_rows.PAGE_COLUMNS, pages),
                loads.RawBatch("raw.ok_posts", ok_rows.POST_COLUMNS, posts),
            ]
        load_id = loads.land(network, day, batches, requests=1, url=world.url).load_id
        loads.publish(load_id, url=world.url)
    world.published[day] = {
        k: v for k, v in day_states.items() if k in world.page_keys and k[1] in LOADED[day]
    }


MANUAL_CSV = """methodology_code,period,region_code,municipality,criterion_code,points,comment
example_expert,2025-11,,43-kirov,widgets,3,ПОС и Госуслуги
example_expert,2025-11,,43-kirov,comments,4,
example_expert,2025-11,,43-kirov,content,3,
example_expert,2025-11,43,Котельнич г.о.,widgets,1.45,один виджет
example_expert,2025-11,43,Котельнич г.о.,comments,2,
example_expert,2025-11,43,Котельничский м.р.,widgets,"2,5",
example_expert,2025-11,43,Котельничский м.р.,comments,1,
example_expert,2025-11,,12-test-okrug,content,2,
example_expert,2025-W47,,43-kirov,content,1,monthly methodology: a week is rejected
example_30,2025-W47,,43-kirov,vk_page,4,computed criterion: rejected
example_expert,2025-11,,43-kirov,widgets,5,over the maximum: rejected
"""


def fetch(url: str, sql: str, params=()) -> list[dict]:
    with psycopg2.connect(url) as conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(sql, params)
        rows = [dict(r) for r in cur.fetchall()]
    conn.close()
    return rows


def run_build(url: str, tmp_path, **kwargs):
    return dbt.build(url, target_path=tmp_path / "target", log_path=tmp_path / "logs", **kwargs)


# ---------------------------------------------------------------- independent expectations
def half_up(value: Decimal, places: int = 0) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def read_seed(name: str) -> list[dict]:
    with (SEEDS / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def criteria_of(methodology: str) -> list[dict]:
    return [r for r in read_seed("rating_criteria.csv") if r["methodology_code"] == methodology]


def max_score_of(methodology: str) -> Decimal:
    return Decimal(
        next(r for r in read_seed("rating_methodologies.csv") if r["methodology_code"] == methodology)[
            "max_score"
        ]
    )


def municipality_of(row: dict) -> str:
    names = {"Котельничский м.р.": "43-kotelnichskiy", "Котельнич г.о.": "43-kotelnich"}
    return names.get(row["municipality"], row["municipality"])


def rated_municipalities(institutions: list[dict]) -> dict[str, str]:
    """municipality id -> ОМСУ institution id, for non-exempt ОМСУ of the registry."""
    return {
        municipality_of(i): i["institution_id"]
        for i in institutions
        if i["sector"] == "local" and not i.get("exemption_reason")
    }


def population(url: str) -> dict[str, int]:
    return {
        r["municipality_id"]: r["population"] for r in fetch(url, "select * from reference.municipalities")
    }


def week_days(published: dict) -> dict[str, list[date]]:
    """ISO week -> its published snapshot dates."""
    weeks: dict[str, list[date]] = {}
    for day in sorted(published):
        iso = day.isocalendar()
        weeks.setdefault(f"{iso.year}-W{iso.week:02d}", []).append(day)
    return weeks


def expected_metrics(world: Landed, days: list[date], institution_id: str, pop: int) -> dict:
    """Metrics of one ОМСУ in a period: each network read on its latest loaded day of the period."""
    observed = {}
    for net in NETWORKS:
        loaded_days = [d for d in days if net in LOADED[d]]
        if loaded_days and (st := world.published[max(loaded_days)].get((institution_id, net))) is not None:
            observed[net] = st
    active = [st for st in observed.values() if st.status == "ok"]
    metrics: dict[str, Decimal | None] = {}
    for net in NETWORKS:
        st = observed.get(net)
        if st is not None and st.status == "ok":
            metrics[f"{net}_page_active"] = Decimal(1)
        elif not any(net in LOADED[d] for d in days) or (st is not None and st.status == "error"):
            metrics[f"{net}_page_active"] = None
        else:
            metrics[f"{net}_page_active"] = Decimal(0)
    posts = sum(st.posts for st in active)
    views = sum(st.posts * st.views for st in active)
    interactions = sum(st.posts * (st.likes + st.reposts + st.comments) for st in active)
    metrics |= {
        "has_gov_badge": Decimal(int(any(st.verified for st in active))),
        "has_full_design": Decimal(int(any(st.design for st in active))),
        "max_posts_per_week": Decimal(max((st.posts for st in active), default=0)),
        "avg_views_per_post": half_up(Decimal(views) / posts, 2) if posts else None,
        "engagement_rate_views": half_up(Decimal(interactions) / views, 4) if views else None,
        "subscribers_per_1000": half_up(Decimal(sum(st.members for st in active)) * 1000 / pop, 2),
    }
    return metrics


def expected_example_30(world: Landed) -> dict[tuple[str, str], dict]:
    """(period, municipality) -> score, missing criteria, percent, place, dynamics."""
    criteria = criteria_of("example_30")
    max_score = max_score_of("example_30")
    pop = population(world.url)
    out: dict[tuple[str, str], dict] = {}
    for period, days in sorted(week_days(world.published).items()):
        for municipality_id, institution_id in rated_municipalities(world.institutions).items():
            metrics = expected_metrics(world, days, institution_id, pop[municipality_id])
            score, missing = Decimal(0), []
            for c in criteria:
                value = metrics[c["metric"]]
                if value is None:
                    missing.append(c["criterion_code"])
                elif value >= Decimal(c["threshold"]):
                    score += Decimal(c["points"])
            out[(period, municipality_id)] = dict(
                score=score,
                percent=int(half_up(score * 100 / max_score)),
                missing=", ".join(missing) or None,
                region=municipality_id[:2],
            )
    add_places_and_dynamics(out)
    return out


def add_places_and_dynamics(out: dict[tuple[str, str], dict]) -> None:
    periods = sorted({p for p, _ in out})
    for (period, municipality_id), s in out.items():
        higher = {
            o["score"]
            for (p, _), o in out.items()
            if p == period and o["region"] == s["region"] and o["score"] > s["score"]
        }
        s["place"] = len(higher) + 1
        index = periods.index(period)
        previous = out.get((periods[index - 1], municipality_id)) if index else None
        if previous is None:
            s["dynamics_pp"], s["dynamics"] = None, "новый"
        else:
            pp = s["percent"] - previous["percent"]
            s["dynamics_pp"] = pp
            s["dynamics"] = f"↑ {pp}%" if pp > 0 else f"↓ {-pp}%" if pp < 0 else "-"


def manual_rows() -> list[dict]:
    return list(csv.DictReader(MANUAL_CSV.splitlines()))


def expected_example_expert(world: Landed) -> dict[tuple[str, str], dict]:
    criteria = criteria_of("example_expert")
    max_score = max_score_of("example_expert")
    given: dict[tuple[str, str], Decimal] = {}
    for r in manual_rows()[:8]:  # the valid rows
        given[(municipality_of(r), r["criterion_code"])] = Decimal(r["points"].replace(",", "."))
    out = {}
    for municipality_id in rated_municipalities(world.institutions):
        score = sum(
            (given.get((municipality_id, c["criterion_code"]), Decimal(0)) for c in criteria), Decimal(0)
        )
        missing = [
            c["criterion_code"] for c in criteria if (municipality_id, c["criterion_code"]) not in given
        ]
        out[("2025-11", municipality_id)] = dict(
            score=score,
            percent=int(half_up(score * 100 / max_score)),
            missing=", ".join(missing) or None,
            region=municipality_id[:2],
        )
    add_places_and_dynamics(out)
    return out


def assert_rating_matches(url: str, methodology: str, expected: dict) -> list[dict]:
    rows = fetch(url, "select * from marts.municipality_rating where methodology_code = %s", (methodology,))
    actual = {(r["period_id"], r["municipality_id"]): r for r in rows}
    assert set(actual) == set(expected)
    for key, want in expected.items():
        got = actual[key]
        assert (
            got["score"],
            got["score_percent"],
            got["place"],
            got["dynamics_pp"],
            got["dynamics"],
            got["missing_criteria"],
        ) == (
            want["score"],
            want["percent"],
            want["place"],
            want["dynamics_pp"],
            want["dynamics"],
            want["missing"],
        ), key
        assert got["is_new"] == (want["dynamics"] == "новый")
        assert got["max_score"] == max_score_of(methodology)
        assert got["missing_criteria_count"] == (len(want["missing"].split(", ")) if want["missing"] else 0)
    return rows


# ---------------------------------------------------------------- the shared warehouse
@pytest.fixture(scope="module")
def rated(module_db, tmp_path_factory) -> Landed:
    """Registry, VK loads on D1, D2, D3 and an OK load on D2, expert scores, one ``dbt build``."""
    tmp = tmp_path_factory.mktemp("rating")
    db.apply_schema(module_db)
    load_reference(module_db, extra_municipalities=[SYNTHETIC])
    world = Landed(module_db, import_registry_rows(module_db, tmp, INSTITUTIONS))
    for day in (D1, D2, D3):
        publish(world, day)
    manual = tmp / "manual.csv"
    manual.write_text(MANUAL_CSV, encoding="utf-8")
    report = import_manual_scores(manual, url=module_db)
    assert (report.rows_loaded, len(report.rejects)) == (8, 3), report.rejects
    run_build(module_db, tmp)
    return world


def test_example_rating_follows_the_published_rules(rated):
    expected = expected_example_30(rated)
    rows = assert_rating_matches(rated.url, "example_30", expected)
    # the data exercises the rules: a tie sharing a place, a rise, a fall, unknown VK, two regions
    w46 = {m: s for (p, m), s in expected.items() if p == "2025-W46"}
    w47 = {m: s for (p, m), s in expected.items() if p == "2025-W47"}
    assert w46["43-kotelnich"]["place"] == w46["43-kotelnichskiy"]["place"]
    assert w46["43-kotelnich"]["score"] == w46["43-kotelnichskiy"]["score"]
    places = sorted(s["place"] for s in w46.values() if s["region"] == "43")
    assert places == [1, 2, 3, 3, 4, 5, 5]  # dense: the tie shares 3, the next score takes 4
    assert w47["43-kotelnichskiy"]["dynamics"].startswith("↑")
    assert w47["43-slobodskoy-gorod"]["dynamics"].startswith("↓")
    assert w47["12-test-okrug"]["place"] == 1
    assert all(s["dynamics"] == "новый" for s in w46.values())
    # OK was loaded on D1 only: read for W46 (0 = no OK page), unknown in W47
    assert "ok_page" not in (w46["43-kotelnich"]["missing"] or "")
    kirov_ok = fetch(
        rated.url,
        """select period_id, metric_value, points_awarded from marts.municipality_rating_criteria
           where methodology_code = 'example_30' and municipality_id = '43-kirov'
             and criterion_code = 'ok_page'""",
    )
    assert {r["period_id"]: r["metric_value"] for r in kirov_ok} == {"2025-W46": 1, "2025-W47": None}
    assert "ok_page" in w47["43-kotelnich"]["missing"]
    assert "vk_page" in w47["43-darovskoy"]["missing"] and "vk_page" not in (
        w46["43-darovskoy"]["missing"] or ""
    )
    # an ОМСУ without any page stays in the rating with 0 for what it lacks; an exempt one is not rated
    kumenskiy = next(
        r for r in rows if r["municipality_id"] == "43-kumenskiy" and r["period_id"] == "2025-W46"
    )
    assert kumenskiy["score"] == 0 and "views_300" in kumenskiy["missing_criteria"]
    assert not [r for r in rows if r["municipality_id"] == "43-zuevskiy"]
    # names with their type, methodology labelled as an example
    names = {r["municipality_id"]: r["municipality_name"] for r in rows}
    assert names["43-kotelnichskiy"] == "Котельничский м.р." and names["43-kotelnich"] == "Котельнич г.о."
    assert {(r["is_example"], r["period_type"]) for r in rows} == {(True, "week")}
    assert {r["period_end_date"] for r in rows if r["period_id"] == "2025-W46"} == {D2}


def test_manual_only_methodology_rounds_half_up_and_reports_missing_criteria(rated):
    expected = expected_example_expert(rated)
    rows = assert_rating_matches(rated.url, "example_expert", expected)
    by_id = {r["municipality_id"]: r for r in rows}
    # 1.45 + 2 = 3.45 of 10 → 34.5 % → 35 % (half up); 2.5 + 1 = 3.5 → 35 % too, but a higher
    # score, so a better place: the place is the dense rank of the score, not of the percent
    assert (by_id["43-kotelnich"]["score"], by_id["43-kotelnich"]["score_percent"]) == (Decimal("3.45"), 35)
    assert (by_id["43-kotelnichskiy"]["score"], by_id["43-kotelnichskiy"]["score_percent"]) == (
        Decimal("3.50"),
        35,
    )
    assert by_id["43-kotelnichskiy"]["place"] < by_id["43-kotelnich"]["place"]
    assert by_id["43-kirov"]["score_percent"] == 100 and by_id["43-kirov"]["missing_criteria"] is None
    assert by_id["43-kumenskiy"]["missing_criteria"] == "widgets, comments, content"
    assert {r["period_end_date"] for r in rows} == {None}
    criteria = fetch(
        rated.url,
        """select criterion_code, metric_value, points_awarded, manual_comment, is_missing
           from marts.municipality_rating_criteria
           where methodology_code = 'example_expert' and municipality_id = '43-kotelnich'""",
    )
    assert {
        c["criterion_code"]: (c["points_awarded"], c["manual_comment"], c["is_missing"]) for c in criteria
    } == {
        "widgets": (Decimal("1.45"), "один виджет", False),
        "comments": (Decimal(2), None, False),
        "content": (Decimal(0), None, True),
    }


def test_criteria_rows_explain_every_score(rated):
    sums = {
        (r["methodology_code"], r["period_id"], r["municipality_id"]): (r["s"], r["n"], r["missing"])
        for r in fetch(
            rated.url,
            """select methodology_code, period_id, municipality_id, sum(points_awarded) as s, count(*) as n,
                      count(*) filter (where is_missing) as missing
               from marts.municipality_rating_criteria group by 1, 2, 3""",
        )
    }
    rating_rows = fetch(rated.url, "select * from marts.municipality_rating")
    assert len(rating_rows) == len(sums)
    for r in rating_rows:
        total, n, missing = sums[(r["methodology_code"], r["period_id"], r["municipality_id"])]
        assert total == r["score"]
        assert n == len(criteria_of(r["methodology_code"]))
        assert missing == r["missing_criteria_count"]


def test_rating_table_and_exports_read_the_mart(rated, tmp_path):
    expected = expected_example_30(rated)
    table = rating.rating_table("43", url=rated.url)  # default methodology, latest period
    assert (table.methodology_code, table.period_id, table.period_end_date) == ("example_30", "2025-W47", D3)
    assert table.is_example and "не официальная" in table.methodology_note
    assert table.region_name == "Кировская область"
    assert table.previous_period_id == "2025-W46"
    want = sorted(
        (
            (s["place"], m, s["score"], s["percent"], s["dynamics"])
            for (p, m), s in expected.items()
            if p == "2025-W47" and m.startswith("43")
        ),
    )
    got = sorted((r.place, r.municipality_id, r.score, r.percent, r.dynamics) for r in table.rows)
    assert got == want
    assert [r.place for r in table.rows] == sorted(r.place for r in table.rows)
    # every row has the points of every criterion of the methodology
    codes = [c["criterion_code"] for c in criteria_of("example_30")]
    assert [c.code for c in table.criteria] == codes
    assert all(sum(r.points.values()) == r.score and set(r.points) == set(codes) for r in table.rows)
    # ok_page and tg_page lack data for everyone in W47; darovskoy also lacks VK
    assert table.common_missing[:2] == ("ok_page", "tg_page")
    assert "vk_page" in table.own_missing(next(r for r in table.rows if r.municipality_id == "43-darovskoy"))

    earlier = rating.rating_table("43", "2025-W46", url=rated.url)
    assert earlier.period_end_date == D2 and all(r.dynamics == "новый" for r in earlier.rows)
    with pytest.raises(rating.RatingNotFound, match="2025-W47, 2025-W46"):
        rating.rating_table("43", "2025-W30", url=rated.url)
    with pytest.raises(ValueError, match="month"):
        rating.rating_table("43", "2025-11", url=rated.url)  # the example methodology is weekly
    expert = rating.rating_table("43", "2025-11", methodology="example_expert", url=rated.url)
    assert expert.period_label == "ноябрь 2025" and expert.max_score == 10

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = rating.export_region("43", "2025-W47", tmp_path, url=rated.url)
    # matplotlib warns «Glyph … missing from font(s)» when Cyrillic or an arrow cannot be drawn
    assert not [w for w in caught if "missing from" in str(w.message)]
    assert sorted(f.suffix for f in files) == [".csv", ".html", ".png", ".xlsx"]
    assert all(f.stat().st_size > 0 and f.name.startswith("rating_example_30_43_2025-W47") for f in files)
    with next(f for f in files if f.suffix == ".csv").open(encoding="utf-8-sig") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert [(int(r["Место"]), r["Муниципалитет"], r["Динамика"]) for r in csv_rows] == [
        (r.place, r.municipality_name, r.dynamics) for r in table.rows
    ]


def test_export_all_regions_writes_every_region_of_the_period(rated, tmp_path):
    files = rating.export_all_regions(tmp_path, "2025-W46", url=rated.url)
    assert {f.parent for f in files} == {tmp_path / "2025-W46"}
    assert sorted(f.name for f in files) == sorted(
        f"rating_example_30_{region}_2025-W46.{ext}" for region in ("12", "43") for ext in rating.FORMATS
    )


def test_command_and_weekly_task_helpers(rated, tmp_path):
    from rich.console import Console

    console = Console(record=True, width=120, file=io.StringIO())
    files = rating.show_and_export(
        "43", "2025-W46", out_dir=tmp_path, formats=["csv"], console=console, url=rated.url
    )
    text = console.export_text()
    assert "Место" in text and "Котельничский м.р." in text and "новый" in text
    assert [f.name for f in files] == ["rating_example_30_43_2025-W46.csv"]
    assert rating.show_and_export("43", console=console, url=rated.url) == []  # print only
    # the weekly task for Sunday D2 exports W46 for every region
    weekly = rating.weekly_export(D2, tmp_path / "weekly", url=rated.url)
    assert {f.parent.name for f in weekly} == {"2025-W46"} and len(weekly) == 2 * len(rating.FORMATS)
    with pytest.raises(rating.RatingNotFound):
        rating.weekly_export(D4, tmp_path / "weekly", url=rated.url)  # W48 has no data here


# ---------------------------------------------------------------- history and incremental builds
def rating_rows(url: str) -> dict[str, dict]:
    return {r["municipality_rating_id"]: r for r in fetch(url, "select * from marts.municipality_rating")}


def criteria_rows(url: str) -> dict[str, dict]:
    return {
        r["rating_criterion_id"]: r for r in fetch(url, "select * from marts.municipality_rating_criteria")
    }


def test_history_is_kept_and_only_changed_periods_are_recomputed(fresh_db, tmp_path):
    db.apply_schema(fresh_db)
    load_reference(fresh_db, extra_municipalities=[SYNTHETIC])
    world = Landed(fresh_db, import_registry_rows(fresh_db, tmp_path, INSTITUTIONS))
    for day in (D1, D2):
        publish(world, day)
    run_build(fresh_db, tmp_path)
    w46 = rating_rows(fresh_db)
    w46_criteria = criteria_rows(fresh_db)
    assert {r["period_id"] for r in w46.values()} == {"2025-W46"}

    # nothing new: a build rewrites nothing (processed_at proves it)
    run_build(fresh_db, tmp_path)
    assert rating_rows(fresh_db) == w46 and criteria_rows(fresh_db) == w46_criteria

    # the registry grows (a new ОМСУ), W47 and W48 arrive: W46 keeps the registry it was rated with
    world.institutions = [*INSTITUTIONS, LATE_OMSU]
    world.page_keys = import_registry_rows(fresh_db, tmp_path, world.institutions)
    for day in (D3, D4):
        publish(world, day)
    run_build(fresh_db, tmp_path)
    after = rating_rows(fresh_db)
    assert {k: v for k, v in after.items() if v["period_id"] == "2025-W46"} == w46
    late = {v["period_id"]: v for v in after.values() if v["municipality_id"] == "43-verkhoshizhemskiy"}
    assert set(late) == {"2025-W47", "2025-W48"}
    assert (late["2025-W47"]["dynamics"], late["2025-W48"]["is_new"]) == ("новый", False)
    # the new weeks follow the rules (W46 computed with the old registry, so the late ОМСУ has no W46)
    expected = expected_example_30(world)
    del expected[("2025-W46", "43-verkhoshizhemskiy")]
    add_places_and_dynamics(expected)
    assert_rating_matches(fresh_db, "example_30", expected)

    # W47's last date is re-published with Котельнич's page gone: W47 and W48 (its dynamics) are
    # recomputed; W46 is not touched
    before = rating_rows(fresh_db)
    publish(world, D3, {("omsu-kotelnich", "vk"): PageState(0, status="deactivated")})
    run_build(fresh_db, tmp_path)
    rerun = rating_rows(fresh_db)
    for key, row in rerun.items():
        if row["period_id"] == "2025-W46":
            assert row == before[key]
        else:
            assert row["processed_at"] > before[key]["processed_at"], key
    kotelnich = {r["period_id"]: r for r in rerun.values() if r["municipality_id"] == "43-kotelnich"}
    assert kotelnich["2025-W47"]["score"] < before["example_30/2025-W47/43-kotelnich"]["score"]
    assert (
        kotelnich["2025-W48"]["dynamics_pp"]
        == kotelnich["2025-W48"]["score_percent"] - kotelnich["2025-W47"]["score_percent"]
    )
    assert kotelnich["2025-W48"]["score"] == before["example_30/2025-W48/43-kotelnich"]["score"]

    # a full refresh recomputes history with today's registry: the late ОМСУ now has W46 too
    run_build(fresh_db, tmp_path, full_refresh=True)
    refreshed = rating_rows(fresh_db)
    assert "example_30/2025-W46/43-verkhoshizhemskiy" in refreshed
    assert refreshed["example_30/2025-W47/43-verkhoshizhemskiy"]["dynamics"] != "новый"


def test_new_manual_scores_recompute_only_their_period(fresh_db, tmp_path):
    db.apply_schema(fresh_db)
    load_reference(fresh_db, extra_municipalities=[SYNTHETIC])
    world = Landed(fresh_db, import_registry_rows(fresh_db, tmp_path, INSTITUTIONS))
    publish(world, D1)
    october = tmp_path / "october.csv"
    october.write_text(
        "methodology_code,period,municipality,criterion_code,points\nexample_expert,2025-10,43-kirov,content,3\n",
        encoding="utf-8",
    )
    import_manual_scores(october, url=fresh_db)
    run_build(fresh_db, tmp_path)
    before = rating_rows(fresh_db)
    assert before["example_expert/2025-10/43-kirov"]["score"] == 3
    november = tmp_path / "november.csv"
    november.write_text(
        "methodology_code,period,municipality,criterion_code,points\n"
        "example_expert,2025-11,43-kirov,content,2\nexample_expert,2025-11,43-kotelnich,widgets,1\n",
        encoding="utf-8",
    )
    import_manual_scores(november, url=fresh_db)
    run_build(fresh_db, tmp_path)
    after = rating_rows(fresh_db)
    # October and the weekly methodology untouched; November new, with dynamics against October
    for key, row in before.items():
        assert after[key] == row, key
    nov = after["example_expert/2025-11/43-kirov"]
    assert (nov["score"], nov["previous_period_id"], nov["dynamics"]) == (2, "2025-10", "↓ 10%")
    assert after["example_expert/2025-11/43-kotelnich"]["dynamics"] == "↑ 10%"
    # a re-import of the same key replaces the points and recomputes that month only
    november.write_text(
        "methodology_code,period,municipality,criterion_code,points\nexample_expert,2025-11,43-kirov,content,3\n",
        encoding="utf-8",
    )
    import_manual_scores(november, url=fresh_db)
    run_build(fresh_db, tmp_path)
    again = rating_rows(fresh_db)
    assert again["example_expert/2025-11/43-kirov"]["dynamics"] == "-"
    assert again["example_expert/2025-10/43-kirov"] == before["example_expert/2025-10/43-kirov"]
