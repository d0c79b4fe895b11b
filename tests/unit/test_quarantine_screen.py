"""The quarantine's Python screen (warehouse/quarantine.py): a row goes straight to the raw table
only when no rule's SQL predicate can hold for it, so every row a rule would quarantine reaches the
staging table, at the exact boundaries of the rules (the SQL still decides the reason)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gospubliki import dates, settings
from gospubliki.warehouse import quarantine

DAY = date(2026, 11, 9)
POSTS = ("snapshot_date", "page_key", "group_id", "post_id", "posted_at", "views", "likes", "reposts", "comments")
PAGES = ("snapshot_date", "page_key", "group_id", "members_count")
NOW = datetime(2026, 11, 10, 3, tzinfo=UTC)


def screen(columns):
    params = {**quarantine._parameters(DAY), "now": NOW}
    return quarantine._screen(columns, quarantine.rules(columns), params)


def post(posted_at=None, views=10, likes=1, reposts=0, comments=0):
    posted_at = posted_at or dates.window_end(DAY) - timedelta(hours=1)
    return (DAY, "vk:1", 1, 7, posted_at, views, likes, reposts, comments)


def test_a_clean_post_passes_and_every_rule_boundary_is_suspect():
    suspect = screen(POSTS)
    end = dates.window_end(DAY)
    assert not suspect(post())
    assert not suspect(post(posted_at=end - timedelta(microseconds=1)))  # the last moment of the day
    assert suspect(post(posted_at=end))  # posted_after_snapshot_day: posted_at >= end
    assert suspect(post(posted_at=NOW + timedelta(microseconds=1)))  # posted_in_future: > now()
    assert not suspect(post(views=None, likes=None, reposts=None, comments=None))  # NULL matches no rule
    assert not suspect(post(views=0, comments=0))
    for counter in ("views", "likes", "reposts", "comments"):
        assert suspect(post(**{counter: -1})), counter


def test_members_count_at_and_beyond_its_limits():
    suspect = screen(PAGES)
    top = settings.plausibility().max_members
    assert [suspect((DAY, "vk:1", 1, n)) for n in (None, 0, top, top + 1, -1, 10**12)] == [
        False, False, False, True, True, True
    ]


def test_a_value_the_screen_cannot_compare_is_left_to_the_sql():
    assert screen(POSTS)(post(posted_at="2026-11-09T10:00:00+03:00"))  # a string: TypeError
    assert screen(POSTS)(post(posted_at=datetime(2026, 11, 9, 10)))  # naive: TypeError
    assert screen(PAGES)((DAY, "vk:1", 1, float("nan")))  # NaN is in no range


def test_a_batch_without_the_rule_columns_is_never_suspect():
    """A column the batch does not carry is NULL in SQL: no rule reading it can hold."""
    assert not screen(("snapshot_date", "page_key", "group_id"))((DAY, "vk:1", 1))
