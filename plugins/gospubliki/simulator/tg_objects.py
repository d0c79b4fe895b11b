"""Genuine telethon (layer 229) objects for the simulated world's Telegram channels.

A world ``Page`` with ``network == 'tg'`` is a broadcast channel: ``page_id`` is the channel id,
``screen_name`` its username, ``members_on(day)`` its ``participants_count``. Its posts are the
world's posts (``activity.py``) with Telegram's shape:

* about ``album_share`` of the posts are **albums**: 2–5 photo messages sharing one ``grouped_id``,
  consecutive ids; the first (lowest id) carries the text, the views, the forwards, the replies and
  the reactions of the post, the others slightly fewer views and forwards and none of the rest;
* post ``i`` owns the message ids ``post_id_base + i * STRIDE + 1 …`` (gaps between posts look
  like deleted messages);
* reactions split the post's likes over 👍, ❤ and a custom emoji; replies are the comments.

States: ``private`` -> ``ChannelForbidden`` when resolved, ``CHANNEL_PRIVATE`` when read;
``deleted`` -> ``USERNAME_NOT_OCCUPIED`` / ``CHANNEL_INVALID``; ``banned`` -> a ``Channel`` restricted on
platform ``all`` (its history is still served).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from telethon.tl import types

from gospubliki.simulator import activity, anomalies
from gospubliki.simulator.model import Page
from gospubliki.simulator.seeding import sub_seed, unit

STRIDE = 10  # message ids reserved per post (albums have at most 5 messages)
ALBUM_SHARE = 0.15
DC_ID = 2
REACTIONS = (("👍", 0.6), ("❤", 0.3))  # the rest of the likes: a custom emoji
CUSTOM_EMOJI_ID = 5_368_324_170_671_202_286


def access_hash(account_user_id: int, channel_id: int) -> int:
    """The channel's access hash for one account (signed 64-bit; differs per account)."""
    return sub_seed("tg-access-hash", account_user_id, channel_id) - 2**63


def album_size(page: Page, index: int, seed: int, share: float = ALBUM_SHARE) -> int:
    if unit(seed, "tg-album", page.key, index) >= share:
        return 1
    return 2 + int(unit(seed, "tg-album-size", page.key, index) * 4)


def message_ids(page: Page, index: int, seed: int, share: float = ALBUM_SHARE) -> list[int]:
    first = page.post_id_base + index * STRIDE + 1
    return list(range(first, first + album_size(page, index, seed, share)))


def grouped_id(page: Page, index: int, seed: int) -> int:
    return sub_seed("tg-grouped", page.key, index) >> 1


def post_index_of(page: Page, message_id: int) -> int:
    return (message_id - page.post_id_base - 1) // STRIDE


def _photo(photo_id: int, moment: datetime) -> types.Photo:
    return types.Photo(
        id=photo_id,
        access_hash=photo_id ^ 0x5A5A,
        file_reference=b"\x01",
        date=moment,
        sizes=[types.PhotoSize(type="x", w=800, h=600, size=48_000)],
        dc_id=DC_ID,
    )


def channel_entity(page: Page, hash_: int) -> types.Channel | types.ChannelForbidden:
    if page.state == "private":
        return types.ChannelForbidden(id=page.page_id, access_hash=hash_, title=page.name, broadcast=True)
    banned = page.state == "banned"
    return types.Channel(
        id=page.page_id,
        title=page.name,
        photo=types.ChatPhoto(photo_id=page.page_id * 7, dc_id=DC_ID)
        if page.has_avatar
        else types.ChatPhotoEmpty(),
        date=datetime.combine(page.created, time(9), UTC),
        broadcast=True,
        verified=page.verified,
        restricted=banned or None,
        restriction_reason=[types.RestrictionReason("all", "terms", "Канал заблокирован за нарушение правил")]
        if banned
        else None,
        access_hash=hash_,
        username=page.screen_name,
    )


def channel_full(page: Page, members: int, hash_: int) -> types.messages.ChatFull:
    created = datetime.combine(page.created, time(9), UTC)
    full = types.ChannelFull(
        id=page.page_id,
        about=f"Официальный канал: {page.name}" if page.has_description else "",
        read_inbox_max_id=0,
        read_outbox_max_id=0,
        unread_count=0,
        chat_photo=_photo(page.page_id * 7, created) if page.has_avatar else types.PhotoEmpty(id=0),
        notify_settings=types.PeerNotifySettings(),
        bot_info=[],
        pts=1,
        participants_count=members,
        linked_chat_id=page.page_id + 1,
    )
    return types.messages.ChatFull(full_chat=full, chats=[channel_entity(page, hash_)], users=[])


def config() -> types.Config:
    """What ``help.getConfig`` answers (telethon's connect() asks; the values are Telegram's usual)."""
    now = datetime.now(UTC)
    return types.Config(
        date=now,
        expires=now,
        test_mode=False,
        this_dc=DC_ID,
        dc_options=[types.DcOption(id=DC_ID, ip_address="149.154.167.51", port=443)],
        dc_txt_domain_name="apv3.stel.com",
        chat_size_max=200,
        megagroup_size_max=200_000,
        forwarded_count_max=100,
        online_update_period_ms=210_000,
        offline_blur_timeout_ms=5_000,
        offline_idle_timeout_ms=30_000,
        online_cloud_timeout_ms=300_000,
        notify_cloud_delay_ms=30_000,
        notify_default_delay_ms=1_500,
        push_chat_period_ms=60_000,
        push_chat_limit=2,
        edit_time_limit=172_800,
        revoke_time_limit=2_147_483_647,
        revoke_pm_time_limit=2_147_483_647,
        rating_e_decay=2_419_200,
        stickers_recent_limit=200,
        channels_read_media_period=604_800,
        call_receive_timeout_ms=20_000,
        call_ring_timeout_ms=90_000,
        call_connect_timeout_ms=30_000,
        call_packet_timeout_ms=10_000,
        me_url_prefix="https://t.me/",
        caption_length_max=1024,
        message_length_max=4096,
        webfile_dc_id=4,
    )


def _reactions(likes: int) -> types.MessageReactions | None:
    if likes <= 0:
        return None
    counts, left = [], likes
    for emoticon, share in REACTIONS:
        n = min(left, int(likes * share))
        if n:
            counts.append(types.ReactionCount(reaction=types.ReactionEmoji(emoticon), count=n))
        left -= n
    if left:
        counts.append(types.ReactionCount(reaction=types.ReactionCustomEmoji(CUSTOM_EMOJI_ID), count=left))
    return types.MessageReactions(results=counts, can_see_list=False)


def post_messages(
    page: Page, index: int, day: date, seed: int, share: float = ALBUM_SHARE
) -> list[types.Message]:
    """The messages of post ``index`` as observed at the end of ``day``, lowest id first."""
    post = activity.post(page, index, day, seed)
    ids = message_ids(page, index, seed, share)
    album = len(ids) > 1
    moment = post.posted_at.astimezone(UTC)
    out = []
    for k, mid in enumerate(ids):
        first = k == 0
        views = post.views if post.views is not None else 0
        out.append(
            types.Message(
                id=mid,
                peer_id=types.PeerChannel(page.page_id),
                date=moment,
                message=post.text if first else "",
                post=True,
                pinned=(post.is_pinned and first) or None,
                views=views if first else max(0, views - k),
                forwards=post.reposts if first else post.reposts // 2,
                replies=types.MessageReplies(
                    replies=post.comments, replies_pts=mid, comments=True, channel_id=page.page_id + 1
                )
                if first
                else None,
                reactions=_reactions(post.likes) if first else None,
                grouped_id=grouped_id(page, index, seed) if album else None,
                media=types.MessageMediaPhoto(photo=_photo(mid, moment)) if album else None,
            )
        )
    return out


@dataclass(frozen=True)
class ExpectedPost:
    """A post as the extraction must record it (for tests and benchmarks)."""

    post_id: int
    grouped_id: int | None
    message_count: int
    posted_at: datetime
    views: int
    likes: int
    reposts: int
    comments: int


def expected_post(page: Page, post: activity.Post, seed: int, share: float = ALBUM_SHARE) -> ExpectedPost:
    ids = message_ids(page, post.index, seed, share)
    return ExpectedPost(
        post_id=ids[0],
        grouped_id=grouped_id(page, post.index, seed) if len(ids) > 1 else None,
        message_count=len(ids),
        posted_at=post.posted_at.astimezone(UTC),
        views=post.views or 0,
        likes=post.likes,
        reposts=post.reposts,
        comments=post.comments,
    )


def history(
    page: Page,
    day: date,
    seed: int,
    *,
    offset_id: int,
    offset_date: datetime | None,
    add_offset: int,
    limit: int,
    max_id: int,
    min_id: int,
    share: float = ALBUM_SHARE,
) -> tuple[int, list[types.Message]]:
    """``messages.getHistory`` of a channel on ``day``: (approximate total, messages newest first)."""
    if add_offset < 0:
        raise NotImplementedError("the simulator serves history newest first only (no reverse iteration)")
    total = activity.posts_count(page, day, seed)
    cap = min(limit, 100)
    if cap <= 0:
        return _approx(total, share), []
    start = total - 1 if not offset_id else min(total - 1, post_index_of(page, offset_id))
    out: list[types.Message] = []
    skip = add_offset
    for index in range(start, -1, -1):
        for m in reversed(post_messages(page, index, day, seed, share)):
            if (offset_id and m.id >= offset_id) or (max_id and m.id >= max_id):
                continue
            if not offset_id and offset_date is not None and m.date >= offset_date:
                continue
            if min_id and m.id <= min_id:
                return _approx(total, share), out
            if skip > 0:
                skip -= 1
                continue
            out.append(m)
            if len(out) >= cap:
                return _approx(total, share), out
    return _approx(total, share), out


def _approx(posts: int, share: float) -> int:
    """Telegram's message count for a history (approximate, like its ``inexact`` counts)."""
    return posts + math.ceil(posts * share * 2.5)


# ------------------------------------------------------------------ injected anomalies
def basic_group_full(page: Page) -> types.messages.ChatFull:
    """A basic group's ``ChatFull`` where a channel's is expected (anomaly ``wrong_type``)."""
    full = types.ChatFull(
        id=page.page_id,
        about="",
        participants=types.ChatParticipantsForbidden(chat_id=page.page_id),
        notify_settings=types.PeerNotifySettings(),
    )
    chat = types.Chat(
        id=page.page_id, title=page.name, photo=types.ChatPhotoEmpty(), participants_count=3, date=None, version=1
    )
    return types.messages.ChatFull(full_chat=full, chats=[chat], users=[])


def with_anomaly(kind: str | None, obj):
    """A ``messages.ChatFull`` or a ``Message`` with a payload anomaly applied (see
    :mod:`gospubliki.simulator.anomalies`); other objects and kinds unchanged."""
    if kind is None:
        return obj
    if isinstance(obj, types.messages.ChatFull):
        if kind == "missing_members":
            obj.full_chat.participants_count = None
        elif kind == "nul_in_text":
            for chat in obj.chats:
                chat.title = anomalies.NUL_TEXT
        return obj
    if isinstance(obj, types.Message):
        if kind == "missing_counters":
            obj.views = obj.forwards = obj.replies = obj.reactions = None
        elif kind == "nul_in_text" and obj.message:
            obj.message = anomalies.NUL_TEXT
    return obj
