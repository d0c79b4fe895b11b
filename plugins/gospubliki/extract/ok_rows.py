"""Rows of the OK raw tables (``raw.ok_pages``, ``raw.ok_posts``) from the API's JSON.

Pure functions of their arguments (unit-tested directly); :mod:`gospubliki.extract.ok` lands them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from gospubliki.clients import ok_protocol as op
from gospubliki.clients import payload
from gospubliki.clients.vk import Skip

PAGE_COLUMNS = (
    "snapshot_date",
    "page_key",
    "group_id",
    "screen_name",
    "name",
    "members_count",
    "is_verified",
    "access_type",
    "is_blocked",
    "has_description",
    "has_cover",
    "has_avatar",
    "fetch_status",
    "error_reason",
    "payload",
)
POST_COLUMNS = (
    "snapshot_date",
    "page_key",
    "group_id",
    "post_id",
    "posted_at",
    "views",
    "likes",
    "reposts",
    "comments",
    "text",
    "payload",
)
BLOCKED_SKIP = Skip("deactivated", "blocked by OK (group.getInfo: blocked)", "blocked")
STUB_AVATAR_MARK = "/res/stub_"


# ------------------------------------------------------------------ rows
def group_skip(group: dict) -> Skip | None:
    """Groups whose topics are not requested: blocked by OK."""
    return BLOCKED_SKIP if group.get("blocked") else None


def has_avatar(group: dict) -> bool:
    """A photo of its own (``photo_id``), not OK's stub picture."""
    pic = str(group.get("pic_avatar") or "")
    return bool(group.get("photo_id")) or (bool(pic) and STUB_AVATAR_MARK not in pic)


def page_row(
    snapshot_date: date, page_key: str, group_id: int | None, group: dict | None, skip: Skip | None
) -> tuple:
    """A ``raw.ok_pages`` row (columns as :data:`PAGE_COLUMNS`).

    :raises BadPayload: a value of the group the warehouse cannot take (``members_count`` not an
        integer or beyond ``bigint`` …); the caller skips the page.
    """
    status, reason = ("ok", None) if skip is None else (skip.status, skip.reason)
    if group is None:
        return (snapshot_date, page_key, group_id, *([None] * 9), status, reason, None)
    return (
        snapshot_date,
        page_key,
        payload.integer(group.get("uid"), "group uid", "ok", required=True),
        payload.text(group.get("shortname")),
        payload.text(group.get("name")),
        payload.integer(group.get("members_count"), "group members_count", "ok"),
        bool(group["gos_org"]) if "gos_org" in group else None,
        payload.text(group.get("access_type")),
        bool(group.get("blocked")),
        bool(str(group.get("description") or "").strip()),
        bool(group.get("cover")),
        has_avatar(group),
        status,
        reason,
        payload.json_value(group),
    )


def post_row(snapshot_date: date, page_key: str, group_id: int, topic: dict) -> tuple:
    """A ``raw.ok_posts`` row (columns as :data:`POST_COLUMNS`). A counter the API did not give
    (``views_count`` is absent for some topics; the summaries may be) is NULL, never 0.

    :raises BadPayload: an id, time or counter that is not an integer or beyond ``bigint``.
    """
    what = f"topic {topic.get('id')}"
    created_ms = payload.integer(topic.get("created_ms"), f"{what} created_ms", "ok", required=True)
    return (
        snapshot_date,
        page_key,
        group_id,
        payload.integer(topic.get("id"), f"{what} id", "ok", required=True),
        datetime.fromtimestamp(created_ms / 1000, UTC),
        payload.integer(topic.get("views_count"), f"{what} views_count", "ok"),
        payload.nested_count(topic, "like_summary", what, "ok"),
        payload.nested_count(topic, "reshare_summary", what, "ok"),
        payload.nested_count(topic, "discussion_summary", what, "ok", field="comments_count"),
        payload.text(op.topic_text(topic)),
        payload.json_value(topic),
    )
