"""Pure helpers of the OK client: request signing, error classification, response shapes.

No network here; everything is a function of its arguments (unit-tested directly). The API is
described in ``shared/reference/social-apis.md`` §3 (``group.getInfo``, ``mediatopic.getTopics``,
``url.getInfo``, errors ``{"error_code", "error_msg", "error_data"}`` in a 200 body).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from gospubliki.clients import errors
from gospubliki.clients.errors import Action, ApiFailure, BadPayload

GET_INFO_BATCH = 100  # uids per group.getInfo (the cap OK documents for its sibling methods)
TOPICS_COUNT = 100  # topics per mediatopic.getTopics page
GROUP_FIELDS = (
    "uid,name,shortname,members_count,description,photo_id,pic_avatar,main_photo,cover,"
    "access_type,private,gos_org,premium,business,blocked"
)
TOPIC_FIELDS = (
    "media_topic.ID,media_topic.CREATED_MS,media_topic.OWNER_REF,media_topic.MEDIA,"
    "media_topic.LIKE_SUMMARY,media_topic.RESHARE_SUMMARY,media_topic.DISCUSSION_SUMMARY,"
    "media_topic.VIEWS_COUNT"
)
UNSIGNED = frozenset({"access_token", "session_key", "sig"})

RETRY_CODES = frozenset({2, 9999})  # service temporarily unavailable, system error
SKIP_CODES = frozenset({160, 300, 456})  # invalid group id, not found, group restriction (any other: skip too)
STOP_CODES = frozenset({8, 11, 102, 103, 104})  # flood block, call limit, session expired/bad, bad sig
GLOBAL_CODES = frozenset({3, 9, 10, 101, 200, 453})
"""Errors no other group or token escapes (method does not exist, IP blocked, permission denied,
bad application key, application lacks permission, session required): the load fails. Every code
in none of these sets skips the group it answered."""
_SKIP_STATUS = {160: "not_found", 300: "not_found", 456: "private"}
_HINT = {
    104: "bad signature: check the application secret key and the access token",
    102: "the access token has expired",
    103: "the access token is invalid",
    11: "the method call limit of the application is reached",
    8: "the token is flood-blocked",
}
_TRANSIENT = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


# ------------------------------------------------------------------ signing
def signature(params: Mapping[str, Any], access_token: str, application_secret_key: str) -> str:
    """``sig`` of a request (social-apis.md §3.2), lowercase hex.

    ``secret = md5(access_token + application_secret_key)``; the parameters other than
    ``access_token``/``session_key``/``sig``, sorted by name, joined as ``name=value`` with no
    separator; ``sig = md5(joined + secret)``. Values are signed exactly as sent (comma lists too).
    """
    secret = hashlib.md5((access_token + application_secret_key).encode("utf-8")).hexdigest()
    joined = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in UNSIGNED)
    return hashlib.md5((joined + secret).encode("utf-8")).hexdigest()


def signed_params(
    method: str, params: Mapping[str, Any], *, application_key: str, access_token: str, secret_key: str
) -> dict[str, str]:
    """The form to POST to ``fb.do``: the call's parameters, the common ones, ``sig`` and the token."""
    form = {k: str(v) for k, v in params.items()}
    form.update(application_key=application_key, format="json", method=method)
    form["sig"] = signature(form, access_token, secret_key)
    form["access_token"] = access_token
    return form


# ------------------------------------------------------------------ errors
def http_action(status: int) -> Action:
    """HTTP 5xx and 429 are transient; other non-200 statuses are not understood (fail)."""
    return Action.RETRY if status >= 500 or status == 429 else Action.FAIL


def classify(what: int | BaseException) -> Action:
    """The one OK error classification (social-apis.md §3.5, §4): known retry / skip / stop
    codes, :data:`GLOBAL_CODES` fail the load, **any other code skips the group**.

    :param what: an OK ``error_code``, or an exception raised by ``requests`` (timeouts and
        connection errors are transient; ``HTTPError`` is classified by its status).
    """
    if isinstance(what, ApiFailure):
        return what.action
    if isinstance(what, int) and not isinstance(what, bool):
        if what in RETRY_CODES:
            return Action.RETRY
        if what in SKIP_CODES:
            return Action.SKIP_PAGE
        if what in STOP_CODES:
            return Action.STOP_CREDENTIAL
        if what in GLOBAL_CODES:
            return Action.FAIL
        return Action.SKIP_PAGE  # an unknown code costs the group it answered, never the day
    if isinstance(what, requests.HTTPError) and what.response is not None:
        return http_action(what.response.status_code)
    if isinstance(what, _TRANSIENT):
        return Action.RETRY
    return Action.FAIL


def failure(
    code: int | str | None, message: str, action: Action, *, page_key: str | None = None
) -> ApiFailure:
    """A classified :class:`ApiFailure` of the right subclass (the pool and the client catch those)."""
    cls = {
        Action.RETRY: errors.RetryableError,
        Action.SKIP_PAGE: errors.PageSkipped,
        Action.STOP_CREDENTIAL: errors.CredentialStopped,
    }.get(action)
    if cls is None:
        return ApiFailure("ok", code, message, action, page_key=page_key)
    return cls("ok", code, message, page_key=page_key)


def error_in(body: Any) -> tuple[int | None, str] | None:
    """``(error_code, message)`` when a 200 body is an OK error object, else ``None``."""
    if isinstance(body, dict) and "error_code" in body:
        code = body.get("error_code")
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = None
        return code, str(body.get("error_msg") or "")
    return None


def api_failure(method: str, code: int | None, message: str, **kw) -> ApiFailure:
    """The failure for an error body of ``method``; credential errors carry a hint for people."""
    text = f"{method}: {message}" if message else method
    if code in _HINT:
        text += f" ({_HINT[code]})"
    return failure(code, text, classify(code) if code is not None else Action.SKIP_PAGE, **kw)


def skip_status(code) -> str:
    """``fetch_status`` of a page skipped for OK error ``code`` (``error`` when not specific)."""
    return _SKIP_STATUS.get(code, "error")


def chunks(items: Sequence, size: int) -> list[tuple]:
    """``items`` in consecutive tuples of at most ``size``."""
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


# ------------------------------------------------------------------ group.getInfo / url.getInfo
def groups_of(response: Any) -> list[dict]:
    """Groups of a ``group.getInfo`` response: a bare JSON array, or ``{"groups": [...]}``.

    :raises BadPayload: neither shape (the batch is halved until the group that causes it is alone).
    """
    groups = response.get("groups", []) if isinstance(response, dict) else response
    if groups is not None and not isinstance(groups, list):
        raise BadPayload("ok", f"bad payload: group.getInfo answered {type(groups).__name__}, not a list")
    return [g for g in groups or [] if isinstance(g, dict)]


def match_groups(gids: Iterable[int], groups: Iterable[dict]) -> dict[int, dict]:
    """The returned groups by requested id (``uid`` is a string in the API)."""
    by_id = {}
    for g in groups:
        try:
            by_id[int(g["uid"])] = g
        except (KeyError, TypeError, ValueError):
            continue
    return {gid: by_id[gid] for gid in gids if gid in by_id}


def group_id_of_url(response: Any) -> int | None:
    """The group id a ``url.getInfo`` response names (``None`` when it is not a group)."""
    if not isinstance(response, dict) or str(response.get("type", "")).upper() != "GROUP":
        return None
    value = response.get("objectIdStr") or response.get("objectId")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------ mediatopic.getTopics
def topic_ms(topic: dict) -> int | None:
    try:
        return int(topic["created_ms"])
    except (KeyError, TypeError, ValueError):
        return None


def topic_time(topic: dict) -> datetime:
    """Publication time of a topic (``created_ms``, epoch milliseconds) as an aware UTC datetime."""
    return datetime.fromtimestamp(int(topic["created_ms"]) / 1000, UTC)


def topic_text(topic: dict) -> str | None:
    """The text media of a topic, joined by blank lines (``None`` when it has no text)."""
    texts = [
        str(m.get("text"))
        for m in topic.get("media") or []
        if isinstance(m, dict) and m.get("type") == "text" and m.get("text")
    ]
    return "\n\n".join(texts) if texts else None


def summary_count(topic: dict, key: str, field: str = "count") -> int | None:
    value = topic.get(key)
    return value.get(field) if isinstance(value, dict) else None


def window_topics(response: Any, since_ms: int) -> tuple[list[dict], str | None]:
    """Topics of one getTopics page from ``since_ms`` on, and the anchor of the next page.

    Topics dated after the snapshot day are kept, not dropped here: the landing quarantines them
    with their reason and counts them (``warehouse/quarantine.py``).

    Topics come newest first: the next page is needed only while this page's oldest topic is not
    older than the window start and the API says there is more (``has_more`` with an ``anchor``).

    :raises BadPayload: the answer or one of its topics is not an object (the group is skipped).
    """
    if not isinstance(response, dict):
        raise BadPayload("ok", f"bad payload: mediatopic.getTopics answered {type(response).__name__}")
    body = response
    listed = body.get("media_topics") or []
    if not isinstance(listed, list):
        raise BadPayload("ok", "bad payload: media_topics is not a list")
    for n, topic in enumerate(listed):
        if not isinstance(topic, dict):
            raise BadPayload("ok", f"bad payload: media_topics item {n} is {type(topic).__name__}, not an object")
    topics = listed
    times = [ms for t in topics if (ms := topic_ms(t)) is not None]
    kept = [t for t in topics if (ms := topic_ms(t)) is not None and since_ms <= ms]
    anchor = body.get("anchor")
    more = bool(body.get("has_more")) and bool(anchor) and bool(times) and min(times) >= since_ms
    return kept, (str(anchor) if more else None)
