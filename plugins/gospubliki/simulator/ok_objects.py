"""JSON shapes of OK REST API objects (group info, media topics) built from the simulated world.

Field names follow the OK API as its clients use them: a group has ``uid`` (a string),
``shortname``, ``members_count``, ``pic_avatar``/``photo_id``/``main_photo``, ``access_type``,
``private``, ``gos_org`` (the «Госорганизация» mark), ``blocked``; a topic has ``id``,
``created_ms``, ``owner_ref`` (``group:<id>``), ``media`` (text items), ``like_summary``,
``reshare_summary``, ``discussion_summary`` and ``views_count``.
"""

from __future__ import annotations

from gospubliki.simulator.activity import Post
from gospubliki.simulator.model import Page
from gospubliki.simulator.seeding import sub_seed

CDN = "https://i.mycdn.me"
NO_AVATAR_PIC = f"{CDN}/res/stub_128x96.gif"  # OK's stub picture of a group without an avatar
TOPIC_FIELDS = {
    "created_ms",
    "owner_ref",
    "author_ref",
    "media",
    "like_summary",
    "reshare_summary",
    "discussion_summary",
    "views_count",
}


def topic_id(page: Page, post: Post) -> int:
    """A 15-digit topic id, unique within the group (the world's post id in the low digits)."""
    return int(f"15{page.page_id % 10**6:06d}{post.post_id:07d}")


def topic_fields(requested: str) -> set[str]:
    """Topic keys to return for a ``fields`` parameter (``media_topic.LIKE_SUMMARY,…``; empty or
    ``media_topic.*``: all)."""
    names = {f.strip().lower().removeprefix("media_topic.") for f in requested.split(",") if f.strip()}
    if not names or "*" in names:
        return set(TOPIC_FIELDS)
    return names & TOPIC_FIELDS


def group_fields(requested: str) -> set[str]:
    return {f.strip().lower() for f in requested.split(",") if f.strip()}


def group_object(page: Page, fields: set[str], members: int) -> dict:
    """A ``group.getInfo`` item (``uid`` always; other keys as requested). A group blocked by OK
    carries ``blocked`` and no counters; an empty description is left out, as OK does."""
    h = f"{sub_seed('avatar', page.key):016x}"
    photo_id = str(int(h[:12], 16))
    values: dict = {
        "name": page.name,
        "shortname": page.screen_name or None,
        "access_type": "CLOSED" if page.state == "private" else "OPEN",
        "private": page.state == "private",
        "premium": False,
        "business": False,
    }
    if page.state == "banned":
        values["blocked"] = True
    else:
        values.update(
            members_count=members,
            gos_org=page.verified,
            description=f"Официальная группа: {page.name}." if page.has_description else None,
        )
        if page.has_avatar:
            values.update(
                photo_id=photo_id,
                pic_avatar=f"{CDN}/i?r={h}&fn=w_128",
                main_photo={"id": photo_id, "pic640x480": f"{CDN}/i?r={h}&fn=w_640"},
            )
        else:
            values["pic_avatar"] = NO_AVATAR_PIC
        if page.has_cover:
            c = f"{sub_seed('cover', page.key):016x}"
            values["cover"] = {"id": str(int(c[:12], 16)), "pic_base": f"{CDN}/i?r={c}&fn=w_1340"}
    obj = {"uid": str(page.page_id)}
    obj.update({k: v for k, v in values.items() if k in fields and v is not None})
    return obj


def topic_object(page: Page, post: Post, fields: set[str]) -> dict:
    """A ``mediatopic.getTopics`` item (``id`` always; other keys as requested)."""
    ref = f"group:{page.page_id}"
    values: dict = {
        "created_ms": post.unixtime * 1000,
        "owner_ref": ref,
        "author_ref": ref,
        "media": [{"type": "text", "text": post.text}],
        "like_summary": {"count": post.likes, "self": False},
        "reshare_summary": {"count": post.reposts, "self": False},
        "discussion_summary": {"comments_count": post.comments},
        "views_count": post.views,
    }
    obj: dict = {"id": str(topic_id(page, post))}
    obj.update({k: v for k, v in values.items() if k in fields and v is not None})
    return obj
