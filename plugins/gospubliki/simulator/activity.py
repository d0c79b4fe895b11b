"""A page's state on any simulated day: members and posts, computed lazily and in O(1) per
question (nothing is stored per day).

Posting model: a page posts at a steady rate ``posts_per_day`` with jitter. Time is counted in
"active seconds" (08:00–21:00 Moscow time each day) from the page's creation day; post ``k``
falls at ``(k + u_k) * period`` where ``u_k`` is a hashed uniform, so the number of posts up to
any moment is ``floor`` arithmetic, and posts between two days are an index range.
Counters (views, likes, reposts, comments) approach their final values over the first days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from gospubliki.dates import MOSCOW
from gospubliki.simulator import names
from gospubliki.simulator.model import Page
from gospubliki.simulator.seeding import lognormal_unit_mean, unit

DAY_START = 8 * 3600  # first posting second of a day (Moscow)
ACTIVE_SECONDS = 13 * 3600  # posting seconds per day
NO_VIEWS_SHARE = 0.05  # VK omits `views` for some posts
REACH = {"vk": 0.08, "ok": 0.05, "tg": 0.3}


@dataclass(frozen=True, slots=True)
class Post:
    """A post as observed at the end of a simulated day."""

    index: int  # 0 = the page's first post
    post_id: int
    posted_at: datetime  # aware (Moscow)
    text: str
    views: int | None
    likes: int
    reposts: int
    comments: int
    is_pinned: bool

    @property
    def unixtime(self) -> int:
        return int(self.posted_at.timestamp())


def members_on(page: Page, day: date, seed: int, base_date: date) -> int:
    """Members on ``day``: slow per-page growth from the base date plus ±0.1 % daily noise."""
    days = (day - base_date).days
    noise = 1 + 0.002 * (unit(seed, "members", page.key, day.toordinal()) - 0.5)
    return max(0, round(page.members_base * (1 + page.growth_per_day * days) * noise))


def _period(page: Page) -> float:
    return ACTIVE_SECONDS / page.posts_per_day if page.posts_per_day > 0 else math.inf


def _virtual_start_of(page: Page, day: date) -> float:
    return max(0, (day - page.created).days) * ACTIVE_SECONDS


def _count_before(page: Page, v: float, seed: int) -> int:
    """Number of posts at virtual times < v."""
    period = _period(page)
    if v <= 0 or math.isinf(period):
        return 0
    k = math.floor(v / period)
    return k + (1 if (k + unit(seed, "post", page.key, k)) * period < v else 0)


def posts_count(page: Page, day: date, seed: int) -> int:
    """All posts published up to the end of ``day`` (Moscow)."""
    if day < page.created:
        return 0
    return _count_before(page, _virtual_start_of(page, day + timedelta(days=1)), seed)


def post_indexes_between(page: Page, first_day: date, last_day: date, seed: int) -> range:
    """Indexes of posts published on ``first_day`` … ``last_day`` (inclusive, Moscow days)."""
    start = _count_before(page, _virtual_start_of(page, first_day), seed) if first_day > page.created else 0
    return range(start, posts_count(page, last_day, seed))


def post(page: Page, index: int, as_of: date, seed: int) -> Post:
    """Post ``index`` with its counters as observed at the end of ``as_of``."""
    v = (index + unit(seed, "post", page.key, index)) * _period(page)
    day = page.created + timedelta(days=int(v // ACTIVE_SECONDS))
    posted_at = datetime.combine(day, time(), MOSCOW) + timedelta(seconds=DAY_START + int(v % ACTIVE_SECONDS))
    observed = datetime.combine(as_of + timedelta(days=1), time(), MOSCOW)
    age_h = max(0.0, (observed - posted_at).total_seconds() / 3600)
    grow_views, grow_acts = 1 - math.exp(-age_h / 24), 1 - math.exp(-age_h / 12)

    def lg(tag: str, sigma: float) -> float:
        return lognormal_unit_mean(
            unit(seed, tag, page.key, index), unit(seed, tag + "2", page.key, index), sigma
        )

    views_final = max(5.0, page.members_base * REACH[page.network] * lg("reach", 0.8))
    likes_final = views_final * 0.02 * lg("likes", 0.7)
    no_views = page.network == "vk" and unit(seed, "noviews", page.key, index) < NO_VIEWS_SHARE
    return Post(
        index=index,
        post_id=page.post_id_base + index + 1,
        posted_at=posted_at,
        text=names.post_text(
            page.sector, unit(seed, "rubric", page.key, index), unit(seed, "detail", page.key, index)
        ),
        views=None if no_views else int(views_final * grow_views),
        likes=int(likes_final * grow_acts),
        reposts=int(likes_final * 0.12 * lg("reposts", 0.6) * grow_acts),
        comments=int(likes_final * 0.1 * lg("comments", 0.6) * grow_acts),
        is_pinned=page.pinned and index == 0,
    )


def wall(page: Page, day: date, seed: int, offset: int = 0, count: int = 20) -> tuple[int, list[Post]]:
    """``(total, posts)`` like VK ``wall.get`` on ``day``: newest first, an old pinned post first."""
    total = posts_count(page, day, seed)
    order_pinned = page.pinned and total > 0
    items = []
    for pos in range(offset, min(offset + count, total)):
        if order_pinned:
            index = 0 if pos == 0 else total - pos
        else:
            index = total - 1 - pos
        items.append(post(page, index, day, seed))
    return total, items
