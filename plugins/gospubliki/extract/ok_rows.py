"""Rows of the OK raw tables (``raw.ok_pages``, ``raw.ok_posts``) from the API's JSON.

Pure functions of their arguments (unit-tested directly); :mod:`gospubliki.extract.ok` lands them.
"""

from __future__ import annotations

from datetime import date

from gospubliki.clients import ok_protocol as op
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
    """A ``raw.ok_pages`` row (columns as :data:`PAGE_COLUMNS`)."""
    status, reason = ("ok", None) if skip is None else (skip.status, skip.reason)
    if group is None:
        return (snapshot_date, page_key, group_id, *([None] * 9), status, reason, None)
    return (
        snapshot_date,
        page_key,
        int(group["uid"]),
        group.get("shortname"),
        group.get("name"),
        group.get("members_count"),
        bool(group["gos_org"]) if "gos_org" in group else None,
        group.get("access_type"),
        bool(group.get("blocked")),
        bool(str(group.get("description") or "").strip()),
        bool(group.get("cover")),
        has_avatar(group),
        status,
        reason,
        group,
    )


def post_row(snapshot_date: date, page_key: str, group_id: int, topic: dict) -> tuple:
    """A ``raw.ok_posts`` row (columns as :data:`POST_COLUMNS`); ``views_count`` may be absent."""
    return (
        snapshot_date,
        page_key,
        group_id,
        int(topic["id"]),
        op.topic_time(topic),
        topic.get("views_count"),
        op.summary_count(topic, "like_summary") or 0,
        op.summary_count(topic, "reshare_summary") or 0,
        op.summary_count(topic, "discussion_summary", "comments_count") or 0,
        op.topic_text(topic),
        topic,
    )
