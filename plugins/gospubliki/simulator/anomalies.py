"""Payload anomalies the emulators inject per page (``Faults.page_anomalies``,
``TelegramFaults.page_anomalies``: world page key -> kind), so the extraction's isolation of a bad
answer is tested over real HTTP / real telethon objects.

Kinds (every network unless said):

=================== =============================================================================
``huge_members``    the page reports 10^12 members (VK, OK; Telegram's TL ``int`` cannot carry it)
``members_not_int`` ``members_count`` is the string ``"1 234 567"`` (VK, OK)
``missing_members`` ``members_count`` left out (VK, OK; Telegram: ``participants_count`` unset)
``missing_counters`` posts without likes / reposts / comments / views (Telegram: views, forwards,
                    replies, reactions unset)
``post_not_object`` one post of the wall is a string (VK ``items``, OK ``media_topics``)
``post_bad_date``   one post's date is ``"вчера"`` (VK ``date``, OK ``created_ms``)
``missing_count``   ``wall.get`` without ``count`` (VK)
``nul_in_text``     a NUL character in the page name and in every post's text
``wrong_type``      Telegram only: ``GetFullChannel`` answers a basic group's ``ChatFull``
=================== =============================================================================
"""

from __future__ import annotations

HUGE_MEMBERS = 10**12
KINDS = (
    "huge_members",
    "members_not_int",
    "missing_members",
    "missing_counters",
    "post_not_object",
    "post_bad_date",
    "missing_count",
    "nul_in_text",
    "wrong_type",
)
NUL_TEXT = "текст\x00с нулевым символом"

# per network: (members key, name key, counter keys of a post, date key of a post, text key)
_KEYS = {
    "vk": ("members_count", "name", ("likes", "reposts", "comments", "views"), "date", "text"),
    "ok": (
        "members_count",
        "name",
        ("like_summary", "reshare_summary", "discussion_summary", "views_count"),
        "created_ms",
        None,
    ),
}


def check(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown payload anomaly {kind!r} (known: {', '.join(KINDS)})")
    return kind


def group(kind: str | None, obj: dict, network: str) -> dict:
    """A ``groups.getById`` / ``group.getInfo`` item with the anomaly applied."""
    if kind is None:
        return obj
    members, name, *_ = _KEYS[network]
    if kind == "huge_members":
        obj[members] = HUGE_MEMBERS
    elif kind == "members_not_int":
        obj[members] = "1 234 567"
    elif kind == "missing_members":
        obj.pop(members, None)
    elif kind == "nul_in_text":
        obj[name] = NUL_TEXT
    return obj


def post(kind: str | None, obj: dict, network: str) -> dict:
    """A ``wall.get`` / ``mediatopic.getTopics`` item with the anomaly applied."""
    if kind is None:
        return obj
    _, _, counters, _, text = _KEYS[network]
    if kind == "missing_counters":
        for key in counters:
            obj.pop(key, None)
    elif kind == "nul_in_text":
        if text is None:  # OK: the text is a media item
            obj["media"] = [{"type": "text", "text": NUL_TEXT}]
        else:
            obj[text] = NUL_TEXT
    return obj


def posts(kind: str | None, items: list, network: str) -> list:
    """The list of posts of one answer with a list-level anomaly applied."""
    if not items:
        return items
    if kind == "post_not_object":
        return [*items[:-1], "не объект"]
    if kind == "post_bad_date":
        date_key = _KEYS[network][3]
        return [*items[:-1], {**items[-1], date_key: "вчера"}]
    return items
