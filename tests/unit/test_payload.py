"""Checks of API answers before they become rows (issue 7): a value that does not fit costs its
page with the field named, never the load; a value that fits is stored as given."""

from __future__ import annotations

import pytest

from gospubliki.clients import payload
from gospubliki.clients.errors import Action, BadPayload
from gospubliki.extract.pages import page_with_posts
from gospubliki.extract.statuses import FETCH_STATUSES


def test_integers_fit_a_bigint_or_are_refused_with_the_field_named():
    assert payload.integer(10**12, "members_count", "vk") == 10**12  # plausibility is judged later
    assert payload.integer("57123456789012", "uid", "ok") == 57123456789012  # OK sends ids as text
    assert payload.integer(None, "views", "vk") is None
    with pytest.raises(BadPayload, match=r"bad payload: members_count is '1 234', not an integer") as caught:
        payload.integer("1 234", "members_count", "vk")
    assert (caught.value.code, caught.value.action) == ("bad_payload", Action.SKIP_PAGE)
    for value in (True, 1.5, {"count": 1}, [1]):
        with pytest.raises(BadPayload):
            payload.integer(value, "x", "vk")
    with pytest.raises(BadPayload, match="does not fit a bigint"):
        payload.integer(2**63, "members_count", "vk")
    with pytest.raises(BadPayload, match="id is missing"):
        payload.integer(None, "id", "vk", required=True)


def test_nested_counters_absent_are_unknown_not_zero():
    post = {"likes": {"count": 3}, "reposts": {}, "comments": "many"}
    assert payload.nested_count(post, "likes", "post 1", "vk") == 3
    assert payload.nested_count(post, "reposts", "post 1", "vk") is None
    assert payload.nested_count(post, "views", "post 1", "vk") is None
    with pytest.raises(BadPayload, match=r"post 1\.comments is 'many', not an object"):
        payload.nested_count(post, "comments", "post 1", "vk")


def test_nul_characters_are_dropped_from_text_and_json():
    assert payload.text("a\x00b") == "ab" and payload.text(None) is None
    assert payload.json_value({"t\x00": ["x\x00", 1, {"y": "\x00"}]}) == {"t": ["x", 1, {"y": ""}]}


def _row(skip, full):
    if full and skip is None:
        raise BadPayload("vk", "bad payload: group members_count is 'x', not an integer")
    return ("row", full, skip.status if skip else "ok")


def test_a_bad_page_row_is_recorded_without_attributes_and_without_posts():
    row, posts, skip = page_with_posts("vk:1", _row, lambda: [("post",)], None)
    assert row == ("row", False, "error") and posts == []
    assert (skip.status, skip.kind, skip.reason) == (
        "error",
        "bad_payload",
        "bad payload: group members_count is 'x', not an integer",
    )


def test_a_bad_post_leaves_the_attributes_and_lands_no_post():
    def posts():
        yield ("post 1",)
        raise BadPayload("vk", "bad payload: post 2 likes.count is 'x', not an integer")

    row, landed, skip = page_with_posts("vk:1", lambda s, full: ("row", full, s.status if s else "ok"), posts, None)
    assert row == ("row", True, "posts_unread") and landed == []
    assert skip.status == "posts_unread" and skip.reason.startswith("bad payload: post 2")
    assert "posts_unread" in FETCH_STATUSES
