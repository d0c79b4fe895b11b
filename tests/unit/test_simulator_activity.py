"""A page's state by day: members, posts, counters and the wall order."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from gospubliki.dates import MOSCOW
from gospubliki.simulator import activity
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import build_world

DAY = date(2026, 3, 10)


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=3)


@pytest.fixture(scope="module")
def busy(world):
    """An active VK page with a pinned post."""
    return next(
        p for p in world.pages_on("vk") if p.state == "active" and p.pinned and p.posts_per_day >= 3 / 7
    )


def test_members_change_slowly_and_deterministically(world):
    for page in [p for p in world.pages_on("vk") if p.members_base > 1_000][:50]:
        today, tomorrow = world.members_on(page, DAY), world.members_on(page, DAY + timedelta(days=1))
        assert today == world.members_on(page, DAY)
        assert abs(tomorrow - today) <= 0.005 * today + 1
        year_later = world.members_on(page, DAY + timedelta(days=365))
        assert abs(year_later - today) <= 0.2 * today
    values = {
        world.members_on(p, DAY + timedelta(days=d)) for p in world.pages_on("vk")[:20] for d in range(5)
    }
    assert len(values) > 20  # not constant


def test_posts_exist_only_up_to_the_end_of_the_simulated_day(world, busy):
    end_of_day = datetime.combine(DAY + timedelta(days=1), time(), MOSCOW)
    total, items = world.wall(busy, DAY, 0, 100)
    assert total > 100 and len(items) == 100
    assert all(p.posted_at < end_of_day for p in items)
    later_total, later_items = world.wall(busy, DAY + timedelta(days=30), 0, 100)
    assert later_total > total
    assert later_items[1].posted_at >= end_of_day  # newer posts appeared since


def test_wall_is_newest_first_with_the_old_pinned_post_first(world, busy):
    total, items = world.wall(busy, DAY, 0, 100)
    assert items[0].is_pinned and items[0].index == 0
    assert items[0].posted_at < items[-1].posted_at  # the pinned one is the oldest
    rest = items[1:]
    assert all(a.posted_at >= b.posted_at for a, b in zip(rest, rest[1:], strict=False))
    assert not any(p.is_pinned for p in rest)
    _, page2 = world.wall(busy, DAY, 100, 100)
    assert page2[0].post_id == rest[-1].post_id - 1  # offsets continue without gaps or repeats
    _, tail = world.wall(busy, DAY, total - 1, 100)
    assert len(tail) == 1 and tail[0].index == 1


def test_counters_grow_with_the_age_of_a_post(world):
    page = max(
        (p for p in world.pages_on("vk") if p.state == "active" and p.posts_per_day > 0),
        key=lambda p: p.members_base,
    )
    _, items = world.wall(page, DAY, 0, 2)
    newest = next(p for p in items if not p.is_pinned)
    later = activity.post(page, newest.index, DAY + timedelta(days=5), world.seed)
    assert later.post_id == newest.post_id and later.posted_at == newest.posted_at
    assert later.likes >= newest.likes
    assert later.likes + later.reposts + later.comments > newest.likes + newest.reposts + newest.comments
    if newest.views is not None:
        assert later.views > newest.views


def test_posts_between_agrees_with_the_wall(world, busy):
    week = world.posts_between(busy, DAY - timedelta(days=6), DAY)
    _, items = world.wall(busy, DAY, 0, 100)
    from_wall = [p for p in items if not p.is_pinned and p.posted_at.date() >= DAY - timedelta(days=6)]
    assert [p.post_id for p in reversed(from_wall)] == [p.post_id for p in week]
    assert len(week) >= 3  # an active page posts at least three times a week
    assert all(8 <= p.posted_at.hour < 21 for p in week)


def test_views_are_missing_for_about_five_percent_of_vk_posts(world):
    posts = [
        p
        for page in world.pages_on("vk")[:400]
        for p in world.posts_between(page, DAY - timedelta(days=60), DAY)
    ]
    missing = sum(p.views is None for p in posts) / len(posts)
    assert len(posts) > 1_000
    assert 0.02 < missing < 0.09


def test_most_pages_post_rarely(world):
    alive = [p for p in world.pages if not p.deactivated]
    weekly = [len(world.posts_between(p, DAY - timedelta(days=6), DAY)) for p in alive]
    rare = sum(n <= 1 for n in weekly) / len(weekly)
    assert rare > 0.6
    assert sum(n >= 3 for n in weekly) > 0.03 * len(weekly)
    assert all(
        n == 0
        for p in world.pages
        if p.deactivated
        for n in [len(world.posts_between(p, DAY - timedelta(days=6), DAY))]
    )
