"""The adapter's mapping from genuine telethon (layer 229) objects to our records: channels, albums
counted once, reactions and replies summed, views and forwards maximised, service messages skipped.

Objects are built with telethon's own constructors and, where it matters, round-tripped through TL
serialisation (what telethon decodes from the wire)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from telethon.extensions import BinaryReader
from telethon.tl import types

from gospubliki.clients.telegram import mapping
from gospubliki.clients.telegram.port import ChannelRef, ChannelSkipped

CHANNEL = 1_777_000_111
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def wire(obj):
    """``obj`` as telethon decodes it from its TL bytes."""
    with BinaryReader(bytes(obj)) as reader:
        return reader.tgread_object()


def reactions(*counts, paid: int = 0, custom: int = 0) -> types.MessageReactions:
    results = [types.ReactionCount(types.ReactionEmoji(e), n) for e, n in zip("👍❤🔥", counts, strict=False)]
    if custom:
        results.append(types.ReactionCount(types.ReactionCustomEmoji(document_id=42), custom))
    if paid:
        results.append(types.ReactionCount(types.ReactionPaid(), paid))
    return types.MessageReactions(results=results)


def message(
    mid: int, *, at: datetime = T0, grouped: int | None = None, text: str = "", **fields
) -> types.Message:
    return types.Message(
        id=mid,
        peer_id=types.PeerChannel(CHANNEL),
        date=at,
        message=text,
        post=True,
        grouped_id=grouped,
        **fields,
    )


def test_a_single_message_maps_views_forwards_replies_and_the_sum_of_reactions():
    m = wire(
        message(
            101,
            text="Приём граждан в пятницу",
            views=1_250,
            forwards=7,
            replies=types.MessageReplies(replies=4, replies_pts=9, comments=True, channel_id=CHANNEL + 1),
            reactions=reactions(10, 3, custom=2, paid=5),
            pinned=True,
        )
    )
    [post] = mapping.posts_from_messages([m])
    assert (post.channel_id, post.post_id, post.grouped_id, post.message_ids) == (CHANNEL, 101, None, (101,))
    assert (post.views, post.forwards, post.replies, post.reactions) == (1_250, 7, 4, 20)
    assert post.text == "Приём граждан в пятницу" and post.is_pinned and post.posted_at == T0
    assert post.payload["messages"][0]["reactions"] == {"👍": 10, "❤": 3, "custom:42": 2, "ReactionPaid": 5}


def test_an_album_is_one_post_with_its_first_id_max_views_and_summed_reactions():
    album = 9_100_000_000_000_000_001
    newest_first = [
        message(203, grouped=album, views=480, forwards=2),
        message(202, grouped=album, views=495, forwards=3),
        message(
            201,
            grouped=album,
            text="Фотоотчёт с субботника",
            views=500,
            forwards=3,
            replies=types.MessageReplies(replies=6, replies_pts=1),
            reactions=reactions(30, 12),
        ),
    ]
    [post] = mapping.posts_from_messages([wire(m) for m in newest_first])
    assert (post.post_id, post.grouped_id, post.message_ids) == (201, album, (201, 202, 203))
    assert (post.views, post.forwards, post.replies, post.reactions) == (500, 3, 6, 42)
    assert post.text == "Фотоотчёт с субботника"
    assert len(post.payload["messages"]) == 3


def test_adjacent_albums_and_single_messages_stay_apart_and_service_messages_are_not_posts():
    later = T0 + timedelta(hours=5)
    stream = [
        message(310, at=later, views=10),
        message(309, at=later, grouped=2, views=20),
        message(308, at=later, grouped=2, views=21),
        message(307, grouped=1, views=30, reactions=reactions(1)),
        message(306, grouped=1, views=31, reactions=reactions(2)),
        types.MessageService(
            id=305, peer_id=types.PeerChannel(CHANNEL), date=T0, action=types.MessageActionPinMessage()
        ),
        types.MessageEmpty(id=304, peer_id=types.PeerChannel(CHANNEL)),
        message(303, views=None),
    ]
    posts = mapping.posts_from_messages(stream)
    assert [(p.post_id, p.message_ids) for p in posts] == [
        (310, (310,)),
        (308, (308, 309)),
        (306, (306, 307)),
        (303, (303,)),
    ]
    assert [p.views for p in posts] == [10, 21, 31, None]
    assert posts[2].reactions == 3  # summed over the album's messages
    # forwards and replies not given are unknown (None -> NULL); absent reactions are none (0)
    assert posts[3].replies is None and posts[3].reactions == 0 and posts[3].forwards is None


def test_album_collector_returns_a_post_only_when_it_is_complete():
    collector = mapping.AlbumCollector()
    assert collector.add(message(12, grouped=5)) == []
    assert collector.add(message(11, grouped=5)) == []
    album, single = collector.add(message(10))  # the album ended; the single message is a post too
    assert (album.post_id, album.message_ids, single.post_id) == (11, (11, 12), 10)
    assert collector.add(message(9, grouped=6)) == []
    [last] = collector.flush()
    assert last.message_ids == (9,) and collector.flush() == []


def _chat_full(*, participants=5_321, about="Новости администрации", photo=True, restricted=False):
    full = types.ChannelFull(
        id=CHANNEL,
        about=about,
        read_inbox_max_id=0,
        read_outbox_max_id=0,
        unread_count=0,
        chat_photo=types.Photo(
            id=7,
            access_hash=1,
            file_reference=b"",
            date=T0,
            sizes=[types.PhotoSize("x", 10, 10, 100)],
            dc_id=2,
        )
        if photo
        else types.PhotoEmpty(id=0),
        notify_settings=types.PeerNotifySettings(),
        bot_info=[],
        pts=1,
        participants_count=participants,
    )
    channel = types.Channel(
        id=CHANNEL,
        title="Администрация города",
        photo=types.ChatPhoto(photo_id=7, dc_id=2) if photo else types.ChatPhotoEmpty(),
        date=T0,
        broadcast=True,
        verified=True,
        access_hash=-99,
        username="adm_city",
        restricted=restricted or None,
        restriction_reason=[
            types.RestrictionReason("ios", "porn", "x"),
            types.RestrictionReason("all", "terms", "Канал заблокирован"),
        ]
        if restricted
        else None,
    )
    return wire(types.messages.ChatFull(full_chat=full, chats=[channel], users=[]))


def test_full_channel_maps_subscribers_description_photo_and_verification():
    snap = mapping.channel_snapshot(_chat_full())
    assert (snap.channel_id, snap.username, snap.title) == (CHANNEL, "adm_city", "Администрация города")
    assert (snap.participants_count, snap.about, snap.has_photo, snap.verified) == (
        5_321,
        "Новости администрации",
        True,
        True,
    )
    assert snap.restriction_reason is None and not snap.is_blocked
    bare = mapping.channel_snapshot(_chat_full(about="", photo=False, participants=0))
    assert (bare.about, bare.has_photo, bare.participants_count) == ("", False, 0)


def test_a_channel_restricted_on_every_platform_is_blocked_one_restricted_per_os_is_not():
    snap = mapping.channel_snapshot(_chat_full(restricted=True))
    assert snap.is_blocked and snap.restriction_reason == "terms: Канал заблокирован"
    assert mapping.restriction_text([types.RestrictionReason("android", "porn", "x")]) is None


def test_a_resolved_channel_gives_this_accounts_access_hash():
    resolved = wire(
        types.contacts.ResolvedPeer(
            peer=types.PeerChannel(CHANNEL),
            chats=[
                types.Channel(id=1, title="другой", photo=types.ChatPhotoEmpty(), date=T0, access_hash=1),
                types.Channel(
                    id=CHANNEL, title="наш", photo=types.ChatPhotoEmpty(), date=T0, access_hash=-123456789
                ),
            ],
            users=[],
        )
    )
    assert mapping.channel_ref(resolved, "adm_city") == ChannelRef(CHANNEL, -123456789, "adm_city")
    forbidden = types.contacts.ResolvedPeer(
        peer=types.PeerChannel(CHANNEL),
        chats=[types.ChannelForbidden(id=CHANNEL, access_hash=77, title="закрытый", broadcast=True)],
        users=[],
    )
    assert mapping.channel_ref(wire(forbidden), "closed_one").access_hash == 77


def test_a_username_of_a_user_is_not_a_channel():
    resolved = types.contacts.ResolvedPeer(
        peer=types.PeerUser(5), chats=[], users=[types.User(id=5, access_hash=1, first_name="Иван")]
    )
    with pytest.raises(ChannelSkipped) as info:
        mapping.channel_ref(wire(resolved), "ivan")
    assert (info.value.status, info.value.kind) == ("not_found", "not_a_channel")
