"""Rows of raw.ok_pages / raw.ok_posts from OK JSON, and OK registry links (one key per page)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gospubliki.clients.vk import Skip
from gospubliki.extract.ok_rows import (
    BLOCKED_SKIP,
    PAGE_COLUMNS,
    POST_COLUMNS,
    group_skip,
    has_avatar,
    page_row,
    post_row,
)
from gospubliki.registry.links import BadLink, normalize_ok
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import build_world

DAY = date(2026, 3, 1)
GROUP = {
    "uid": "57123456789012",
    "name": "Администрация города Кирова",
    "shortname": "kirovadm",
    "members_count": 1234,
    "gos_org": True,
    "access_type": "OPEN",
    "private": False,
    "description": "Официальная группа",
    "photo_id": "9001",
    "pic_avatar": "https://i.mycdn.me/i?r=abc",
    "cover": {"id": "77", "pic_base": "https://i.mycdn.me/i?r=def"},
}


def test_page_row_of_a_read_group():
    row = dict(zip(PAGE_COLUMNS, page_row(DAY, "ok:kirovadm", 57123456789012, GROUP, None), strict=True))
    assert row == dict(
        snapshot_date=DAY,
        page_key="ok:kirovadm",
        group_id=57123456789012,
        screen_name="kirovadm",
        name="Администрация города Кирова",
        members_count=1234,
        is_verified=True,
        access_type="OPEN",
        is_blocked=False,
        has_description=True,
        has_cover=True,
        has_avatar=True,
        fetch_status="ok",
        error_reason=None,
        payload=GROUP,
    )


def test_page_row_of_a_bare_group_and_of_a_skipped_page():
    bare = {
        "uid": "57000000000001",
        "pic_avatar": "https://i.mycdn.me/res/stub_128x96.gif",
        "description": " ",
    }
    row = dict(zip(PAGE_COLUMNS, page_row(DAY, "ok:57000000000001", 57000000000001, bare, None), strict=True))
    assert (row["is_verified"], row["has_avatar"], row["has_cover"], row["has_description"]) == (
        None,  # gos_org not returned: unknown, not false
        False,  # OK's stub picture
        False,
        False,
    )
    skip = Skip("not_found", "not returned by group.getInfo", "not_found")
    row = dict(zip(PAGE_COLUMNS, page_row(DAY, "ok:gone", None, None, skip), strict=True))
    assert (
        row["group_id"],
        row["members_count"],
        row["fetch_status"],
        row["error_reason"],
        row["payload"],
    ) == (
        None,
        None,
        "not_found",
        "not returned by group.getInfo",
        None,
    )
    private = Skip("private", "mediatopic.getTopics: GROUP_RESTRICTION", "error_456")
    row = dict(zip(PAGE_COLUMNS, page_row(DAY, "ok:kirovadm", 57123456789012, GROUP, private), strict=True))
    assert (row["members_count"], row["fetch_status"]) == (1234, "private")  # attributes kept


@pytest.mark.parametrize(
    "group, expected",
    [
        ({"photo_id": "1"}, True),
        ({"pic_avatar": "https://i.mycdn.me/i?r=1"}, True),
        ({"pic_avatar": "https://i.mycdn.me/res/stub_128x96.gif"}, False),
        ({}, False),
    ],
)
def test_has_avatar(group, expected):
    assert has_avatar(group) is expected


def test_blocked_groups_are_skipped():
    assert group_skip({**GROUP, "blocked": True}) is BLOCKED_SKIP
    assert BLOCKED_SKIP.status == "deactivated"
    assert group_skip(GROUP) is None


def test_post_row_counters_and_absent_views():
    topic = {
        "id": "152546670000559",
        "created_ms": 1_772_187_158_000,
        "media": [{"type": "text", "text": "Ремонт дорог"}],
        "like_summary": {"count": 5},
        "reshare_summary": {"count": 2},
        "discussion_summary": {"comments_count": 1},
        "views_count": 90,
    }
    row = dict(zip(POST_COLUMNS, post_row(DAY, "ok:kirovadm", 57123456789012, topic), strict=True))
    assert row == dict(
        snapshot_date=DAY,
        page_key="ok:kirovadm",
        group_id=57123456789012,
        post_id=152546670000559,
        posted_at=datetime(2026, 2, 27, 10, 12, 38, tzinfo=UTC),
        views=90,
        likes=5,
        reposts=2,
        comments=1,
        text="Ремонт дорог",
        payload=topic,
    )
    bare = {"id": "1", "created_ms": 1_772_187_158_000}
    row = dict(zip(POST_COLUMNS, post_row(DAY, "ok:kirovadm", 1, bare), strict=True))
    # counters the API did not give are unknown (NULL), not 0 (issue 7)
    assert (row["views"], row["likes"], row["reposts"], row["comments"], row["text"]) == (None,) * 5


@pytest.mark.parametrize(
    "link, key",
    [
        ("https://ok.ru/group/57123456789012/topic/154", "ok:57123456789012"),
        ("OK.RU/Group/57123456789012", "ok:57123456789012"),
        ("http://odnoklassniki.ru/group/57123456789012/", "ok:57123456789012"),
        ("m.ok.ru/group57123456789012", "ok:57123456789012"),
        ("https://www.ok.ru/kirovadm#top", "ok:kirovadm"),
        ("https://m.ok.ru/kirovadm/topics", "ok:kirovadm"),
        ("kirovadm", "ok:kirovadm"),
    ],
)
def test_ok_link_forms_give_one_key(link, key):
    assert normalize_ok(link).key == key


@pytest.mark.parametrize("link", ["ok.ru/group/kirov", "ok.ru/dk?st.cmd=userMain", "https://vk.com/kirovadm"])
def test_not_ok_group_links(link):
    with pytest.raises(BadLink):
        normalize_ok(link)


def test_every_simulated_ok_link_names_its_group():
    world = build_world(Scale.from_name("region"), seed=3)
    pages = world.pages_on("ok")
    assert pages
    refs = [normalize_ok(p.link).ref for p in pages]
    assert all(ref in (str(p.page_id), p.screen_name.lower()) for p, ref in zip(pages, refs, strict=True))
    assert len(set(refs)) == len(pages)
    assert {ref.isdigit() for ref in refs} == {True, False}  # both forms occur
