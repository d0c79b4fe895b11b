"""A small hand-made world for the BI mart and BI role tests, and the marts computed from it in
Python (independently of dbt).

The registry is imported from CSV with the real importer, the reference data with the real
loader, and every VK load is landed and published through ``gospubliki.warehouse.loads`` as the
extractor would do it: each load holds the posts of the 8 days before the snapshot date up to
03:00 the next morning (Moscow) plus pinned posts, with counters that grow with the post's age,
so the models must apply the 7-day window, the latest observation and the week cut-off themselves.
The landing quarantines the posts dated after the snapshot day (``warehouse/quarantine.py``): a
load publishes what :func:`published_posts` says.

Pages are built to sit on the edges of the «светофор» (scores 80 / 75 / 50 / 45, 3 posts, 3 and
4 days since the last post), to have posts without views, ties in views, a long multi-line text,
a pinned post re-read after its week's cut-off, a page silent for longer than the window, a
deleted page and a page that never posts.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import psycopg2
import psycopg2.extras

from gospubliki import dates
from gospubliki.extract.vk import PAGE_COLUMNS, POST_COLUMNS
from gospubliki.reference.catalog import Municipality
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.registry.model import COLUMNS as REGISTRY_COLUMNS
from gospubliki.transform import dbt
from gospubliki.warehouse import db, loads

MSK = dates.MOSCOW
WINDOW_DAYS = 7
D0 = date(2025, 11, 12)  # Wed of 2025-W46
D1 = date(2025, 11, 20)  # Thu of 2025-W47
D2 = date(2025, 11, 23)  # Sun of 2025-W47 (the «светофор» edges are built for this day)
D3 = date(2025, 11, 25)  # Tue of 2025-W48: re-reads W47's last posts (before the W47 cut-off)
D4 = date(2025, 12, 1)  # Mon of 2025-W49: re-reads a pinned W47 post after the cut-off 2025-11-29
DATES = (D0, D1, D2, D3, D4)

SYNTHETIC = Municipality("12-bi-okrug", "12", "Контрольный", "г.о.", 40_000, is_synthetic=True)
SEEDS = dbt.project_dir() / "seeds"

INSTITUTIONS = [
    dict(
        institution_id="omsu-kirov",
        name="Администрация города Кирова",
        sector="local",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
        vk_url="vk.com/club1001",
        connected_networks="vk",
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
        institution_id="school-3",
        name="Школа № 3 г. Кирова",
        sector="school",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
    ),
    dict(
        institution_id="school-5",
        name="Школа № 5 г. Кирова",
        sector="school",
        level="municipal",
        region_code="43",
        municipality="43-kirov",
        exemption_reason="официальная страница не ведётся на основании приказа № 5",
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
        institution_id="culture-1",
        name="Кировская филармония",
        sector="culture",
        level="regional",
        region_code="43",
        vk_url="vk.com/club5001",
        connected_networks="vk",
    ),
    dict(
        institution_id="sport-1",
        name="Спортшкола г. Котельнича",
        sector="sport",
        level="municipal",
        region_code="43",
        municipality="43-kotelnich",
        vk_url="vk.com/club6001",
        connected_networks="vk",
    ),
    dict(
        institution_id="kindergarten-1",
        name="Детский сад № 1 г. Котельнича",
        sector="kindergarten",
        level="municipal",
        region_code="43",
        municipality="43-kotelnich",
        vk_url="vk.com/club7001",
        connected_networks="vk",
    ),
    dict(
        institution_id="region-gov",
        name="Правительство Кировской области",
        sector="regional",
        level="regional",
        region_code="43",
        vk_url="vk.com/club4001",
        connected_networks="vk",
    ),
    dict(
        institution_id="culture-2",
        name="Дом культуры Контрольного округа",
        sector="culture",
        level="municipal",
        region_code="12",
        municipality="12-bi-okrug",
        vk_url="vk.com/club5002",
        connected_networks="vk",
    ),
    dict(
        institution_id="school-2",
        name="Школа Контрольного округа",
        sector="school",
        level="municipal",
        region_code="12",
        municipality="12-bi-okrug",
        vk_url="vk.com/club2002",
    ),
    dict(
        institution_id="omsu-12",
        name="Администрация Контрольного округа",
        sector="local",
        level="municipal",
        region_code="12",
        municipality="12-bi-okrug",
        vk_url="vk.com/club1201",
    ),
    dict(
        institution_id="minzdrav",
        name="Министерство здравоохранения РФ",
        sector="federal",
        level="federal",
        region_code="77",
        vk_url="vk.com/club9001",
        connected_networks="vk",
    ),
]

LONG_TEXT = ("Итоги недели в регионе:\n\n" + "отремонтировано ещё несколько дворов и дорог, " * 12).strip()


@dataclass(frozen=True)
class Post:
    post_id: int
    at: datetime  # Moscow time
    views: int | None  # at publication; + 10 per day of age when observed
    likes: int  # + 1 per day of age
    reposts: int
    comments: int
    text: str = ""
    pinned: bool = False

    @property
    def posted_date(self) -> date:
        return self.at.date()


@dataclass
class Page:
    institution_id: str
    group_id: int
    members: int  # on D0; + 10 per day
    verified: bool = False
    design: tuple[bool, bool, bool] = (True, True, True)  # avatar, cover, description
    deactivated_from: date | None = None
    posts: list[Post] = field(default_factory=list)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK)


def posts_on(
    group_id: int,
    days: list[date],
    hours: list[int],
    views: list[int | None],
    likes: int,
    text: str = "Новость",
) -> list[Post]:
    """Posts at the given Moscow hours of each day; views cycle through ``views``."""
    out = []
    for day in days:
        for hour in hours:
            n = len(out)
            post_id = (day - date(2025, 1, 1)).days * 100 + hour
            out.append(
                Post(
                    post_id,
                    at(day, hour),
                    views[n % len(views)],
                    likes + n % 4,
                    n % 3,
                    n % 5,
                    f"{text} {group_id}-{post_id}",
                )
            )
    return out


def days_between(first: date, last: date, step: int = 1) -> list[date]:
    return [first + timedelta(days=i) for i in range(0, (last - first).days + 1, step)]


ALL_DAYS = days_between(date(2025, 11, 1), date(2025, 12, 2))

PAGES = [
    # green 100: connected, badge, design, 2 posts a day (00:30 and 23:30 MSK: window edges)
    Page(
        "omsu-kirov",
        1001,
        50_000,
        verified=True,
        posts=posts_on(1001, ALL_DAYS, [0, 23], [2_000, 2_400, None, 1_800], likes=40, text="Мэрия"),
    ),
    # D2: 80 = green edge (not connected −10, no description −10); exactly 3 posts in the window,
    # the last 3 days before D2 (both edges met); small views with many likes (not in the er top)
    Page(
        "school-1",
        2001,
        1_200,
        verified=True,
        design=(True, True, False),
        posts=[
            Post(1, at(date(2025, 11, 10), 15), 50, 20, 1, 2, "Школьная линейка"),
            Post(2, at(date(2025, 11, 17), 15), 60, 30, 2, 3, "Олимпиада"),
            Post(3, at(date(2025, 11, 18), 15), 120, 25, 1, 1, "Субботник"),
            Post(4, at(date(2025, 11, 20), 15), 90, 40, 0, 4, "Концерт"),
        ],
    ),
    # D2: 75 = yellow (not connected −10, no badge −15), 5 posts in the window, one that day
    Page(
        "hospital-1",
        3001,
        4_000,
        posts=posts_on(
            3001,
            days_between(date(2025, 11, 1), date(2025, 12, 1), 2) + [date(2025, 11, 22)],
            [11],
            [700, 650],
            likes=12,
            text="Приём врачей",
        ),
    ),
    # D2: 70 = yellow (2 posts in the window −30); views unknown for every post
    Page(
        "culture-1",
        5001,
        3_000,
        verified=True,
        posts=[
            Post(10, at(date(2025, 11, 14), 18), None, 9, 1, 1, "Афиша"),
            Post(11, at(date(2025, 11, 21), 18), None, 15, 2, 0, "Концерт оркестра"),
            Post(12, at(date(2025, 11, 23), 18), None, 11, 0, 2, "Выставка"),
        ],
    ),
    # D2: 80 = green while the last post is 4 days old (recent-post requirement missed: −20)
    Page(
        "sport-1",
        6001,
        800,
        verified=True,
        posts=[
            Post(20, at(date(2025, 11, 17), 10), 300, 6, 0, 1, "Турнир"),
            Post(21, at(date(2025, 11, 18), 10), 300, 8, 1, 0, "Тренировка"),
            Post(22, at(date(2025, 11, 19), 10), 300, 4, 0, 0, "Победа"),
        ],
    ),
    # D2: 50 = yellow edge (no posts in the window −30, last post 13 days ago −20); its only post
    # (2025-11-10) is seen by the D0 load only: the last known post is carried forward
    Page(
        "kindergarten-1",
        7001,
        600,
        verified=True,
        posts=[Post(30, at(date(2025, 11, 10), 12), 200, 5, 0, 0, "Утренник")],
    ),
    # green: 3 posts a day, ties in views (same base views); the pinned post of W47 is re-read by
    # D4 after the week's cut-off and must keep its D3 counters
    Page(
        "region-gov",
        4001,
        120_000,
        verified=True,
        posts=posts_on(
            4001, ALL_DAYS, [1, 9, 19], [5_000, 5_000, 3_000, 8_000, 4_000], likes=80, text="Правительство"
        )
        + [Post(999, at(date(2025, 11, 17), 7), 6_000, 900, 30, 40, LONG_TEXT, pinned=True)],
    ),
    # D2: 45 = red (no avatar −5, 1 post −30, last 5 days ago −20)
    Page(
        "culture-2",
        5002,
        2_000,
        verified=True,
        design=(False, True, True),
        posts=[
            Post(40, at(date(2025, 11, 18), 12), 400, 30, 5, 5, "Фестиваль"),
            Post(41, at(date(2025, 11, 11), 12), 350, 20, 2, 2, "Кружки"),
        ],
    ),
    # deleted from D1 on: red, score 0
    Page(
        "school-2",
        2002,
        500,
        deactivated_from=D1,
        posts=[Post(50, at(date(2025, 11, 11), 9), 100, 3, 0, 0, "Родительское собрание")],
    ),
    # active, never posts, no badge, no design, not connected: red, score 0, days unknown
    Page("omsu-12", 1201, 300, design=(False, False, False)),
    Page(
        "minzdrav",
        9001,
        800_000,
        verified=True,
        posts=posts_on(9001, ALL_DAYS, [10], [40_000, 35_000, 52_000], likes=900, text="Минздрав"),
    ),
]
PAGE_BY_INSTITUTION = {p.institution_id: p for p in PAGES}
INSTITUTION = {i["institution_id"]: i for i in INSTITUTIONS}


def round_half_up(value: Decimal | int, places: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def ratio(numerator, denominator, places: int = 6) -> Decimal | None:
    return round_half_up(Decimal(numerator) / Decimal(denominator), places) if denominator else None


def percent(part, whole) -> Decimal | None:
    return round_half_up(Decimal(part) * 100 / Decimal(whole), 1) if whole else None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_id(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


# ---------------------------------------------------------------- what a load holds
def is_deactivated(page: Page, day: date) -> bool:
    return page.deactivated_from is not None and day >= page.deactivated_from


def visible_posts(page: Page, day: date) -> list[Post]:
    """The posts the extractor lands for ``day``: 8 days back to 03:00 next morning, plus pinned."""
    if is_deactivated(page, day):
        return []
    oldest = at(day, 0) - timedelta(days=WINDOW_DAYS)
    extracted_at = at(day, 3) + timedelta(days=1)
    return [p for p in page.posts if p.at < extracted_at and (p.pinned or p.at >= oldest)]


def published_posts(page: Page, day: date) -> list[Post]:
    """What a load of ``day`` publishes of :func:`visible_posts`: the posts dated after the snapshot
    day are quarantined at landing."""
    return [p for p in visible_posts(page, day) if p.posted_date <= day]


def observed(post: Post, day: date) -> dict:
    """A post's counters as a load of ``day`` reads them."""
    age = max((day - post.posted_date).days, 0)
    return dict(
        views=None if post.views is None else post.views + 10 * age,
        likes=post.likes + age,
        reposts=post.reposts,
        comments=post.comments,
    )


def members(page: Page, day: date) -> int:
    return page.members + 10 * (day - D0).days


@dataclass
class World:
    url: str
    page_keys: dict[str, str]  # institution_id -> page_key
    published: dict[date, int] = field(default_factory=dict)  # snapshot date -> load id

    @property
    def institution_of(self) -> dict[str, str]:
        return {key: inst for inst, key in self.page_keys.items()}


def load_rows(world: World, day: date) -> tuple[list[tuple], list[tuple]]:
    page_rows, post_rows = [], []
    for page in PAGES:
        key = world.page_keys[page.institution_id]
        if is_deactivated(page, day):
            page_rows.append(
                (
                    day,
                    key,
                    page.group_id,
                    None,
                    "DELETED",
                    None,
                    None,
                    0,
                    "deleted",
                    None,
                    None,
                    None,
                    "deactivated",
                    "community deleted",
                    {"id": page.group_id},
                )
            )
            continue
        avatar, cover, description = page.design
        page_rows.append(
            (
                day,
                key,
                page.group_id,
                f"club{page.group_id}",
                f"Сообщество {page.group_id}",
                members(page, day),
                page.verified,
                0,
                None,
                description,
                cover,
                avatar,
                "ok",
                None,
                {"id": page.group_id},
            )
        )
        for post in visible_posts(page, day):
            counters = observed(post, day)
            post_rows.append(
                (
                    day,
                    key,
                    page.group_id,
                    post.post_id,
                    post.at.astimezone(UTC),
                    post.pinned,
                    counters["views"],
                    counters["likes"],
                    counters["reposts"],
                    counters["comments"],
                    post.text,
                    {"id": post.post_id},
                )
            )
    return page_rows, post_rows


def publish(world: World, day: date) -> int:
    page_rows, post_rows = load_rows(world, day)
    result = loads.land(
        "vk",
        day,
        [
            loads.RawBatch("raw.vk_pages", PAGE_COLUMNS, page_rows),
            loads.RawBatch("raw.vk_posts", POST_COLUMNS, post_rows),
        ],
        requests=2,
        url=world.url,
    )
    loads.publish(result.load_id, url=world.url)
    world.published[day] = result.load_id
    return result.load_id


def prepare(url: str, tmp_path: Path) -> World:
    """Reference data and the registry (from CSV, through the real importer); no loads yet."""
    db.apply_schema(url)
    load_reference(url, extra_municipalities=[SYNTHETIC])
    path = tmp_path / "registry.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=REGISTRY_COLUMNS)
        writer.writeheader()
        for row in INSTITUTIONS:
            writer.writerow({c: row.get(c, "") for c in REGISTRY_COLUMNS})
    report = import_registry(path, url=url)
    assert report.institutions == len(INSTITUTIONS), report
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select institution_id, page_key from registry.pages where network = 'vk'")
        page_keys = dict(cur.fetchall())
    assert set(page_keys) == set(PAGE_BY_INSTITUTION)
    return World(url=url, page_keys=page_keys)


def build(url: str, tmp_path: Path, **kwargs):
    return dbt.build(url, target_path=tmp_path / "target", log_path=tmp_path / "logs", **kwargs)


def fetch(url: str, query: str, params=()) -> list[dict]:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(query, params)
            return [dict(r) for r in cur.fetchall()]
    finally:
        conn.close()


def read_thresholds() -> dict[str, Decimal]:
    with (SEEDS / "compliance_thresholds.csv").open(encoding="utf-8") as fh:
        return {r["parameter"]: Decimal(r["value"]) for r in csv.DictReader(fh)}


def sector_labels() -> dict[str, str]:
    with (SEEDS / "sectors.csv").open(encoding="utf-8") as fh:
        return {r["sector"]: r["label_ru"] for r in csv.DictReader(fh)}


# ---------------------------------------------------------------- the marts, in Python
def page_days(world: World) -> dict[tuple[str, date], dict]:
    """fct_page_daily's measures for every published (page, date)."""
    out = {}
    for day in world.published:
        first = day - timedelta(days=WINDOW_DAYS - 1)
        for page in PAGES:
            inst = INSTITUTION[page.institution_id]
            active = not is_deactivated(page, day)
            window = [p for p in visible_posts(page, day) if first <= p.posted_date <= day]
            counted = [observed(p, day) for p in window]
            avatar, cover, description = page.design if active else (False, False, False)
            out[(world.page_keys[page.institution_id], day)] = dict(
                institution_id=page.institution_id,
                sector=inst["sector"],
                level=inst["level"],
                region_code=inst["region_code"],
                municipality_id=inst.get("municipality"),
                is_active=active,
                is_connected=inst.get("connected_networks") == "vk",
                is_verified=page.verified and active,
                has_avatar=avatar,
                has_cover=cover,
                has_description=description,
                members_count=members(page, day) if active else None,
                posts_7d=len(window),
                views_7d=sum(c["views"] or 0 for c in counted),
                interactions_7d=sum(c["likes"] + c["reposts"] + c["comments"] for c in counted),
                posts_with_views_7d=sum(1 for c in counted if c["views"] is not None),
                interactions_with_views_7d=sum(
                    c["likes"] + c["reposts"] + c["comments"] for c in counted if c["views"] is not None
                ),
                last_post_at=max((p.at for p in window), default=None),
            )
            if not active:  # posts of a page not read: «нет данных», not 0 (issue 7)
                row = out[(world.page_keys[page.institution_id], day)]
                row.update({k: None for k in POST_MEASURES})
    return out


POST_MEASURES = ("posts_7d", "views_7d", "interactions_7d", "posts_with_views_7d", "interactions_with_views_7d")


def compliance(world: World) -> dict[tuple[str, date], dict]:
    """page_compliance by the rules of its docs, thresholds from the seed CSV."""
    t = read_thresholds()
    days = page_days(world)
    out = {}
    for (key, day), row in days.items():
        last = max(
            (r["last_post_at"] for (k, d), r in days.items() if k == key and d <= day and r["last_post_at"]),
            default=None,
        )
        since = (day - last.astimezone(MSK).date()).days if last else None
        active = row["is_active"]
        met = dict(
            connected=active and row["is_connected"],
            gov_badge=active and row["is_verified"],
            avatar=active and row["has_avatar"],
            cover=active and row["has_cover"],
            description=active and row["has_description"],
            posting_frequency=active and (row["posts_7d"] or 0) >= t["min_posts_7d"],
            recent_post=active and since is not None and since <= t["max_days_since_last_post"],
        )
        score = sum((t[f"weight_{name}"] for name, ok in met.items() if ok), Decimal(0))
        if not active or score < t["yellow_min_score"]:
            status = "red"
        elif score >= t["green_min_score"]:
            status = "green"
        else:
            status = "yellow"
        out[(key, day)] = dict(
            compliance_score=score,
            compliance_status=status,
            days_since_last_post=since,
            last_post_at=last,
            meets_posting_frequency=met["posting_frequency"],
            meets_recent_post=met["recent_post"],
        )
    return out


def posts_fact(world: World) -> dict[str, dict]:
    """fct_post: each post's counters as last observed by a load no later than 6 days after its week."""
    out = {}
    for page in PAGES:
        key = world.page_keys[page.institution_id]
        for post in page.posts:
            monday = week_start(post.posted_date)
            cutoff = monday + timedelta(days=6 + WINDOW_DAYS - 1)
            seen = [d for d in world.published if d <= cutoff and post in published_posts(page, d)]
            if not seen:
                continue
            day = max(seen)
            counters = observed(post, day)
            out[f"vk:wall-{page.group_id}_{post.post_id}"] = dict(
                page_key=key,
                institution_id=page.institution_id,
                sector=INSTITUTION[page.institution_id]["sector"],
                region_code=INSTITUTION[page.institution_id]["region_code"],
                week_start_date=monday,
                observed_on_date=day,
                view_count=counters["views"],
                interaction_count=counters["likes"] + counters["reposts"] + counters["comments"],
                like_count=counters["likes"],
                text=post.text,
                post=post,
            )
    return out


def engagement_weekly(world: World) -> dict[tuple[str, date], dict]:
    days = page_days(world)
    posts = posts_fact(world)
    out = {}
    weeks = {week_start(d) for d in world.published}
    for page in PAGES:
        key = world.page_keys[page.institution_id]
        for monday in weeks:
            in_week = sorted(d for (k, d) in days if k == key and monday <= d <= monday + timedelta(days=6))
            if not in_week:
                continue
            active_days = [d for d in in_week if days[(key, d)]["is_active"]]
            subscribers = days[(key, active_days[-1])]["members_count"] if active_days else 0
            week_posts = [
                p for p in posts.values() if p["page_key"] == key and p["week_start_date"] == monday
            ]
            with_views = [p for p in week_posts if p["view_count"] is not None]
            views = sum(p["view_count"] for p in with_views)
            interactions = sum(p["interaction_count"] for p in week_posts)
            if not active_days and not week_posts:  # posts never read that week: «нет данных»
                out[(key, monday)] = dict(
                    subscribers=0,
                    measured_on_date=in_week[-1],
                    **dict.fromkeys(
                        (
                            "post_count",
                            "posts_with_views",
                            "er_views_numerator",
                            "er_views_denominator",
                            "er_subscribers_numerator",
                            "er_subscribers_denominator",
                            "err_numerator",
                            "err_denominator",
                        )
                    ),
                )
                continue
            out[(key, monday)] = dict(
                subscribers=subscribers,
                post_count=len(week_posts),
                posts_with_views=len(with_views),
                er_views_numerator=sum(p["interaction_count"] for p in with_views),
                er_views_denominator=views,
                er_subscribers_numerator=interactions,
                er_subscribers_denominator=len(week_posts) * subscribers,
                err_numerator=views,
                err_denominator=len(with_views) * subscribers,
                measured_on_date=active_days[-1] if active_days else in_week[-1],
            )
    return out


def best_posts(world: World, top_n: int, min_views: int) -> dict[tuple, str]:
    """(week, sector, region, ranking, rank) -> post_key."""
    groups = defaultdict(list)
    for post_key, p in posts_fact(world).items():
        groups[(p["week_start_date"], p["sector"], p["region_code"])].append((post_key, p))
    out = {}
    for (monday, sector, region), items in groups.items():
        by_views = sorted(
            (i for i in items if i[1]["view_count"] is not None),
            key=lambda i: (-i[1]["view_count"], -i[1]["interaction_count"], i[0]),
        )
        by_er = sorted(
            (i for i in items if i[1]["view_count"] is not None and i[1]["view_count"] >= min_views),
            key=lambda i: (
                -Decimal(i[1]["interaction_count"]) / i[1]["view_count"],
                -i[1]["view_count"],
                i[0],
            ),
        )
        for ranking, ranked in (("views", by_views), ("er_views", by_er)):
            for rank, (post_key, _) in enumerate(ranked[:top_n], start=1):
                out[(monday, sector, region, ranking, rank)] = post_key
    return out


def engagement_of(rows: list[dict]) -> dict:
    """The summaries' engagement block from page-day rows (active pages; sums, then ratios)."""
    active = [r for r in rows if r["is_active"]]
    views = sum(r["views_7d"] for r in active)
    interactions = sum(r["interactions_7d"] for r in active)
    return dict(
        views_per_week=views,
        interactions_per_week=interactions,
        er_views=ratio(sum(r["interactions_with_views_7d"] for r in active), views),
        er_subscribers=ratio(interactions, sum(r["posts_7d"] * (r["members_count"] or 0) for r in active)),
        err=ratio(views, sum(r["posts_with_views_7d"] * (r["members_count"] or 0) for r in active)),
    )
