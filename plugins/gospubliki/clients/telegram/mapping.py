"""Mapping of genuine telethon objects (layer 229) to the port's records. Pure functions, no I/O.

* ``contacts.ResolvedPeer`` -> :class:`ChannelRef` (the ``Channel`` or ``ChannelForbidden`` named by
  the peer; a username of a user or bot is not a channel);
* ``messages.ChatFull`` (``ChannelFull`` + its ``Channel``) -> :class:`ChannelSnapshot`:
  ``participants_count`` -> subscribers, ``about`` -> description, a ``Photo`` -> avatar,
  ``restriction_reason`` with platform ``all`` -> blocked;
* ``Message``\\ s, newest first -> :class:`PostRecord`\\ s, an album (consecutive messages sharing
  ``grouped_id``) counted as one post: id = its lowest message id, text = the non-empty texts,
  ``views``/``forwards`` = maximum over its messages, ``replies`` (``MessageReplies.replies``) and
  reactions (the sum of every ``ReactionCount.count``, paid and custom-emoji ones included) summed.
  A counter no message of the post carries is ``None`` (unknown, stored NULL): ``views`` and
  ``forwards`` absent, ``replies`` absent (comments not enabled). Reactions absent are 0: Telegram
  leaves the field out of a message that has none.
  Service messages (``MessageService``) and ``MessageEmpty`` are not posts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from telethon.tl import types

from gospubliki.clients.telegram.port import ChannelRef, ChannelSkipped, ChannelSnapshot, PostRecord

BLOCKING_PLATFORMS = ("all",)
"""A restriction on these platforms hides the channel from everyone (others are per-OS)."""


def channel_ref(resolved: types.contacts.ResolvedPeer, username: str) -> ChannelRef:
    """The channel a username resolved to, with this account's access hash.

    :raises ChannelSkipped: the username belongs to a user or bot, or to a basic group.
    """
    peer = resolved.peer
    if not isinstance(peer, types.PeerChannel):
        what = "a user or bot" if isinstance(peer, types.PeerUser) else "a basic group"
        raise ChannelSkipped(
            "NOT_A_CHANNEL", f"@{username} is {what}, not a channel", status="not_found", kind="not_a_channel"
        )
    for chat in resolved.chats:
        if isinstance(chat, (types.Channel, types.ChannelForbidden)) and chat.id == peer.channel_id:
            if chat.access_hash is None:
                break
            return ChannelRef(chat.id, chat.access_hash, username)
    raise ChannelSkipped(
        "NO_ACCESS_HASH",
        f"@{username}: no channel with an access hash in the answer",
        status="not_found",
        kind="no_access_hash",
    )


def restriction_text(reasons: Iterable[types.RestrictionReason] | None) -> str | None:
    """``'terms: <text>'`` for restrictions that block the channel on every platform, else None."""
    for r in reasons or ():
        if r.platform in BLOCKING_PLATFORMS:
            return f"{r.reason}: {r.text}"
    return None


def channel_snapshot(full: types.messages.ChatFull) -> ChannelSnapshot:
    """Attributes of the channel described by ``channels.getFullChannel``."""
    info = full.full_chat
    channel = next((c for c in full.chats if isinstance(c, types.Channel) and c.id == info.id), None)
    photo = isinstance(info.chat_photo, types.Photo) or (
        channel is not None and isinstance(channel.photo, types.ChatPhoto)
    )
    restricted = (
        restriction_text(channel.restriction_reason) if channel is not None and channel.restricted else None
    )
    about = info.about or ""
    payload = {
        "id": info.id,
        "username": getattr(channel, "username", None),
        "title": getattr(channel, "title", None),
        "participants_count": info.participants_count,
        "about": about,
        "has_photo": photo,
        "verified": bool(getattr(channel, "verified", False)),
        "broadcast": bool(getattr(channel, "broadcast", False)),
        "megagroup": bool(getattr(channel, "megagroup", False)),
        "restriction_reason": restricted,
        "linked_chat_id": info.linked_chat_id,
        "pinned_msg_id": info.pinned_msg_id,
        "created": channel.date.isoformat() if channel is not None and channel.date else None,
    }
    return ChannelSnapshot(
        channel_id=info.id,
        username=payload["username"],
        title=payload["title"] or "",
        participants_count=info.participants_count,
        about=about,
        has_photo=photo,
        verified=payload["verified"],
        restriction_reason=restricted,
        payload=payload,
    )


def reactions_total(reactions: types.MessageReactions | None) -> int:
    """Sum of the counts of every reaction on a message (0 without reactions)."""
    if reactions is None:
        return 0
    return sum(int(r.count) for r in reactions.results)


def replies_total(replies: types.MessageReplies | None) -> int:
    """Replies (comments in the linked discussion group) of a message (0 when it has none)."""
    return int(replies.replies) if replies is not None else 0


def _reaction_label(reaction) -> str:
    if isinstance(reaction, types.ReactionEmoji):
        return reaction.emoticon
    if isinstance(reaction, types.ReactionCustomEmoji):
        return f"custom:{reaction.document_id}"
    return type(reaction).__name__  # ReactionPaid, ReactionEmpty


def _message_payload(m: types.Message) -> dict:
    return {
        "id": m.id,
        "date": m.date.astimezone(UTC).isoformat(),
        "views": m.views,
        "forwards": m.forwards,
        "replies": replies_total(m.replies) if m.replies is not None else None,
        "reactions": {_reaction_label(r.reaction): r.count for r in m.reactions.results}
        if m.reactions
        else None,
        "pinned": bool(m.pinned),
        "edit_date": m.edit_date.astimezone(UTC).isoformat() if m.edit_date else None,
        "post_author": m.post_author,
        "has_media": m.media is not None,
    }


def post_record(messages: list[types.Message]) -> PostRecord:
    """One post from its messages (a single message or every message of one album)."""
    ordered = sorted(messages, key=lambda m: m.id)
    first = ordered[0]
    views = [m.views for m in ordered if m.views is not None]
    texts = [m.message for m in ordered if m.message]
    return PostRecord(
        channel_id=first.peer_id.channel_id,
        post_id=first.id,
        grouped_id=first.grouped_id,
        message_ids=tuple(m.id for m in ordered),
        posted_at=min(m.date for m in ordered).astimezone(UTC),
        text="\n".join(texts),
        views=max(views) if views else None,
        forwards=max(forwards) if (forwards := [m.forwards for m in ordered if m.forwards is not None]) else None,
        replies=sum(replies_total(m.replies) for m in ordered) if any(m.replies for m in ordered) else None,
        reactions=sum(reactions_total(m.reactions) for m in ordered),
        is_pinned=any(m.pinned for m in ordered),
        payload={"grouped_id": first.grouped_id, "messages": [_message_payload(m) for m in ordered]},
    )


class AlbumCollector:
    """Turns a newest-first stream of messages into posts, an album counted once.

    Album messages are consecutive in a channel's history; :meth:`add` returns the post completed
    by the message just seen (if any), :meth:`flush` the one still open at the end.
    """

    def __init__(self) -> None:
        self._open: list[types.Message] = []

    def add(self, message) -> list[PostRecord]:
        if not isinstance(message, types.Message):  # MessageService, MessageEmpty
            return []
        done = []
        if self._open and (message.grouped_id is None or message.grouped_id != self._open[0].grouped_id):
            done.append(post_record(self._open))
            self._open = []
        if message.grouped_id is None:
            done.append(post_record([message]))
        else:
            self._open.append(message)
        return done

    def flush(self) -> list[PostRecord]:
        done = [post_record(self._open)] if self._open else []
        self._open = []
        return done


def posts_from_messages(messages: Iterable) -> list[PostRecord]:
    """Every post of a newest-first sequence of messages (a convenience over AlbumCollector)."""
    collector, posts = AlbumCollector(), []
    for m in messages:
        posts.extend(collector.add(m))
    posts.extend(collector.flush())
    return posts
