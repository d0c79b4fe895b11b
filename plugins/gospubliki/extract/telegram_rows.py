"""Rows of a Telegram load (``raw.tg_pages``, ``raw.tg_posts``) and its ``raw.loads.details``.

Mapping to the VK-shaped columns: ``participants_count`` -> ``members_count``, ``about`` ->
``has_description``, a photo -> ``has_avatar``; for a post (an album counted once): the sum of its
reactions -> ``likes``, ``forwards`` -> ``reposts``, ``replies`` -> ``comments``, ``views`` as read
(the maximum over an album's messages); ``post_id`` is the (first) message id, ``grouped_id`` and
``message_count`` describe an album.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime

from gospubliki.clients import payload
from gospubliki.clients.telegram.collector import ChannelOutcome, CollectResult
from gospubliki.clients.telegram.port import PostRecord
from gospubliki.clients.telegram.settings import TelegramSettings
from gospubliki.extract.landing import skipped_summary
from gospubliki.extract.vk import RegistryPage

PAGE_COLUMNS = (
    "snapshot_date",
    "page_key",
    "channel_id",
    "username",
    "title",
    "members_count",
    "is_verified",
    "restriction_reason",
    "has_description",
    "has_avatar",
    "account",
    "fetch_status",
    "error_reason",
    "payload",
)
POST_COLUMNS = (
    "snapshot_date",
    "page_key",
    "channel_id",
    "post_id",
    "grouped_id",
    "message_count",
    "posted_at",
    "is_pinned",
    "views",
    "likes",
    "reposts",
    "comments",
    "text",
    "payload",
)


def page_row(snapshot_date: date, page: RegistryPage, outcome: ChannelOutcome) -> tuple:
    """A ``raw.tg_pages`` row (columns as :data:`PAGE_COLUMNS`)."""
    snap = outcome.snapshot
    if snap is None:
        return (
            snapshot_date,
            page.page_key,
            outcome.channel_id,
            page.page_ref,
            *([None] * 6),
            outcome.account,
            outcome.status,
            outcome.reason,
            None,
        )
    return (
        snapshot_date,
        page.page_key,
        snap.channel_id,
        payload.text(snap.username or page.page_ref),
        payload.text(snap.title),
        snap.participants_count,
        snap.verified,
        snap.restriction_reason,
        bool(snap.about.strip()),
        snap.has_photo,
        outcome.account,
        outcome.status,
        outcome.reason,
        payload.json_value(snap.payload),
    )


def post_row(snapshot_date: date, page_key: str, post: PostRecord) -> tuple:
    """A ``raw.tg_posts`` row: reactions -> likes, forwards -> reposts, replies -> comments."""
    return (
        snapshot_date,
        page_key,
        post.channel_id,
        post.post_id,
        post.grouped_id,
        len(post.message_ids),
        post.posted_at,
        post.is_pinned,
        post.views,
        post.reactions,
        post.forwards,
        post.replies,
        payload.text(post.text),
        payload.json_value(post.payload),
    )


def details_of(
    collected: CollectResult,
    requests: Mapping[str, Mapping[str, int]],
    blocked: Mapping[str, Mapping[str, datetime]],
    settings: TelegramSettings,
    since: datetime,
    until: datetime,
    window_days: int,
    posts: int,
) -> dict:
    """``raw.loads.details`` of a Telegram load: requests by method and account, resolves, the
    flood waits met and in force, stopped accounts (names and reasons, never secrets), moved
    channels, skipped pages by status and reason."""
    by_method: Counter = Counter()
    for counts in requests.values():
        by_method.update(counts)
    outcomes = list(collected.outcomes.values())
    skipped = [o for o in outcomes if o.kind is not None]
    return {
        "partial": any(o.kind in ("flood_wait", "no_accounts", "not_resolved") for o in outcomes),
        "pages": len(outcomes),
        "posts": posts,
        "window": {"days": window_days, "start": since.isoformat(), "end": until.isoformat()},
        "window_days": window_days,
        "requests": {
            "total": sum(by_method.values()),
            "by_method": dict(sorted(by_method.items())),
            "by_account": {a: dict(sorted(c.items())) for a, c in requests.items()},
        },
        "resolves": {
            "total": sum(collected.resolves.values()),
            "by_account": dict(collected.resolves),
            "budget_per_account": settings.resolve_budget,
        },
        "channels_by_account": dict(collected.channels),
        "cache": {
            "resolved": len(collected.resolved),
            "dropped": len(collected.dropped),
            "not_found": len(collected.negative),
        },
        "flood_waits": [
            {
                "account": f.account,
                "request_type": f.request_type,
                "seconds": f.seconds,
                "until": f.until.isoformat(),
            }
            for f in collected.flood_waits
        ],
        "flood_waits_in_force": {a: {t: u.isoformat() for t, u in w.items()} for a, w in blocked.items()},
        "accounts_stopped": dict(collected.stopped),
        "moved_channels": collected.moved,
        "rounds": collected.rounds,
        "skipped_pages": skipped_summary(skipped),
        # channels no account has resolved yet: reported, not a failure (the resolve job's queue)
        "unresolved": sum(1 for o in outcomes if o.status == "unresolved"),
    }
