"""JSON shapes of VK API objects (API 5.199) built from the simulated world."""

from __future__ import annotations

from gospubliki.simulator.activity import Post
from gospubliki.simulator.model import Page
from gospubliki.simulator.names import ACTIVITY_BY_SECTOR
from gospubliki.simulator.seeding import sub_seed

NO_AVATAR_PHOTO = "https://vk.com/images/camera_{size}.png?ava=1"  # VK's stub when a community has no avatar
DEACTIVATED_PHOTO = "https://vk.com/images/deactivated_{size}.png"


def _photos(page: Page) -> dict[str, str]:
    if page.deactivated:
        template = DEACTIVATED_PHOTO
    elif not page.has_avatar:
        template = NO_AVATAR_PHOTO
    else:
        h = f"{sub_seed('avatar', page.key):016x}"
        host = f"https://sun9-{page.page_id % 90 + 1}.userapi.com"
        template = f"{host}/s/v1/ig2/{h}.jpg?size={{size}}x{{size}}&quality=95"
    return {f"photo_{s}": template.format(size=s) for s in (50, 100, 200)}


def group_object(page: Page, fields: set[str], members: int) -> dict:
    """A ``groups.getById`` item. Deactivated communities carry ``deactivated`` and no counters."""
    obj: dict = {
        "id": page.page_id,
        "name": page.name,
        "screen_name": page.screen_name,
        "is_closed": page.is_closed,
        "type": page.page_type,
        "is_admin": 0,
        "is_member": 0,
        "is_advertiser": 0,
        **_photos(page),
    }
    if page.deactivated:
        obj["deactivated"] = page.deactivated
        return obj
    if "members_count" in fields:
        obj["members_count"] = members
    if "verified" in fields:
        obj["verified"] = int(page.verified)
    if "description" in fields:
        obj["description"] = f"Официальная страница: {page.name}." if page.has_description else ""
    if "cover" in fields:
        if page.has_cover:
            h = f"{sub_seed('cover', page.key):016x}"
            obj["cover"] = {
                "enabled": 1,
                "images": [
                    {
                        "url": f"https://sun9-{page.page_id % 90 + 1}.userapi.com/c/{h}/{w}.jpg",
                        "width": w,
                        "height": w * 4 // 15,
                    }
                    for w in (795, 1590)
                ],
            }
        else:
            obj["cover"] = {"enabled": 0}
    if "activity" in fields:
        obj["activity"] = ACTIVITY_BY_SECTOR[page.sector]
    return obj


def post_object(page: Page, post: Post) -> dict:
    """A ``wall.get`` item; ``views`` is absent for some posts, as in the real API."""
    owner = -page.page_id
    obj: dict = {
        "id": post.post_id,
        "owner_id": owner,
        "from_id": owner,
        "date": post.unixtime,
        "text": post.text,
        "post_type": "post",
        "marked_as_ads": 0,
        "attachments": [],
        "post_source": {"type": "vk"},
        "comments": {"count": post.comments, "can_post": 1},
        "likes": {"count": post.likes, "user_likes": 0, "can_like": 1, "can_publish": 1},
        "reposts": {"count": post.reposts, "user_reposted": 0},
    }
    if post.views is not None:
        obj["views"] = {"count": post.views}
    if post.is_pinned:
        obj["is_pinned"] = 1
    return obj
