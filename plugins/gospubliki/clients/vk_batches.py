"""Pure helpers of the VK client: error classification, VKScript, matching results to requests.

No network here; everything is a function of its arguments (unit-tested directly).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from vk_api.exceptions import ApiError, ApiHttpError, Captcha

from gospubliki.clients import errors, payload
from gospubliki.clients.errors import Action, ApiFailure, BadPayload

GET_BY_ID_BATCH = 500  # refs per groups.getById
EXECUTE_CALLS = 25  # API calls per execute
WALL_COUNT = 100  # posts per wall.get (the API maximum): pages after the first
#: posts asked for in the first wall.get of a wall (``GOSPUBLIKI_VK_WALL_FIRST_COUNT``): a page
#: publishes ≈ 0.5 posts a week on a national day, so a small first page holds the whole window of
#: almost every wall (a pinned post included); walls busier than that page on at WALL_COUNT.
WALL_FIRST_COUNT = 10

RETRY_CODES = frozenset({1, 6, 9, 10})  # 1: "Unknown error occurred, try later"
SKIP_CODES = frozenset({15, 18, 19, 30, 100, 113, 125, 203})  # known page errors (any other: skip too)
STOP_CODES = frozenset({5, 14, 17, 29})
GLOBAL_CODES = frozenset({2, 3, 4, 8, 12, 16, 20, 21, 23, 28})
"""Errors no other page or token escapes (application disabled, unknown method, bad signature,
invalid request, execute compile error, HTTPS required, method disabled, application
authorisation failed): the load fails. Every code in none of these sets skips the page."""
_SKIP_STATUS = {
    15: "private",
    19: "private",  # content blocked
    30: "private",
    203: "private",
    18: "deactivated",
    100: "not_found",
    113: "not_found",
    125: "not_found",
}
_TRANSIENT = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


def classify(what: int | str | BaseException) -> Action:
    """The one VK error classification (social-apis.md §1.7, §4): known retry / skip / stop
    codes, :data:`GLOBAL_CODES` fail the load, **any other code skips the page**.

    :param what: a VK error code, ``"deactivated"`` (a dead community in getById), or an exception
        raised by ``vk_api``/``requests`` (HTTP errors are classified by status).
    """
    if isinstance(what, ApiFailure):
        return what.action
    if isinstance(what, str):
        if what.strip().isdigit():  # a code sent as a string
            return classify(int(what))
        return Action.SKIP_PAGE  # 'deactivated' or a label of no known meaning: the page only
    if isinstance(what, int) and not isinstance(what, bool):
        if what in RETRY_CODES:
            return Action.RETRY
        if what in SKIP_CODES:
            return Action.SKIP_PAGE
        if what in STOP_CODES:
            return Action.STOP_CREDENTIAL
        if what in GLOBAL_CODES:
            return Action.FAIL
        return Action.SKIP_PAGE  # an unknown code costs the page it answered, never the day
    if isinstance(what, Captcha):
        return Action.STOP_CREDENTIAL
    if isinstance(what, ApiError):
        return classify(what.code)
    if isinstance(what, ApiHttpError):
        status = what.response.status_code
        return Action.RETRY if status >= 500 or status == 429 else Action.FAIL
    if isinstance(what, _TRANSIENT):
        return Action.RETRY
    return Action.FAIL


def to_failure(exc: BaseException, method: str) -> ApiFailure:
    """A ``vk_api``/``requests`` exception as our classified :class:`ApiFailure` (never a secret)."""
    if isinstance(exc, ApiFailure):
        return exc
    if isinstance(exc, Captcha):
        code, message = 14, "captcha needed"
    elif isinstance(exc, ApiError):
        code, message = exc.code, str(exc.error.get("error_msg", ""))
    elif isinstance(exc, ApiHttpError):
        code, message = f"http {exc.response.status_code}", f"HTTP {exc.response.status_code}"
    else:
        code, message = type(exc).__name__, str(exc)
    action = classify(exc)
    message = f"{method}: {message}"
    cls = {
        Action.RETRY: errors.RetryableError,
        Action.SKIP_PAGE: errors.PageSkipped,
        Action.STOP_CREDENTIAL: errors.CredentialStopped,
    }.get(action)
    return cls("vk", code, message) if cls else ApiFailure("vk", code, message, action)


def skip_status(code) -> str:
    """``fetch_status`` of a page skipped for VK error ``code`` (``error`` when not specific)."""
    return _SKIP_STATUS.get(code, "error")


def chunks(items: Sequence, size: int) -> list[tuple]:
    """``items`` in consecutive tuples of at most ``size``."""
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


# ------------------------------------------------------------------ groups.getById
def groups_of(response: Any) -> list[dict]:
    """Groups of a getById response: 5.199 returns ``{"groups": [...]}``, older versions a list.

    :raises BadPayload: neither shape (the batch is halved until the page that causes it is alone).
    """
    groups = response.get("groups", []) if isinstance(response, dict) else response
    if groups is not None and not isinstance(groups, list):
        raise BadPayload("vk", f"bad payload: groups.getById answered {type(groups).__name__}, not a list")
    return [g for g in groups or [] if isinstance(g, dict)]


def match_groups(refs: Iterable[str], groups: Iterable[dict]) -> dict[str, dict]:
    """Map requested refs (numeric ids or screen names) to the groups returned for them (a group
    whose ``id`` is not a number is matched by its screen name only; its row is then refused by
    :func:`gospubliki.extract.vk.page_row` with the reason)."""
    by_id, by_name = {}, {}
    for g in groups:
        gid = g.get("id")
        if isinstance(gid, int) and not isinstance(gid, bool):
            by_id[str(abs(gid))] = g
        if isinstance(g.get("screen_name"), str) and g["screen_name"]:
            by_name[g["screen_name"].lower()] = g
    found = {}
    for ref in refs:
        key = ref.lower()
        group = by_id.get(key) if key.isdigit() else by_name.get(key)
        if group is None:  # a default screen name such as club123 asked for by name
            for prefix in ("club", "public", "event"):
                if key.startswith(prefix) and key[len(prefix) :].isdigit():
                    group = by_id.get(key[len(prefix) :])
        if group is not None:
            found[ref] = group
    return found


# ------------------------------------------------------------------ wall.get through execute
@dataclass(frozen=True)
class WallTask:
    """One ``wall.get`` call: ``count`` posts of a community's wall from ``offset``; ``attempt``
    counts inner retries."""

    group_id: int
    offset: int = 0
    attempt: int = 0
    count: int = WALL_COUNT

    def next_page(self) -> WallTask:
        """The page after this one (always a full page: the wall is busier than a first page)."""
        return WallTask(self.group_id, self.offset + self.count, 0, WALL_COUNT)

    def retried(self) -> WallTask:
        return WallTask(self.group_id, self.offset, self.attempt + 1, self.count)


def wall_script(tasks: Sequence[WallTask]) -> str:
    """Literal VKScript returning one ``wall.get`` result per task (``false`` where it failed)."""
    calls = ", ".join(
        "API.wall.get("
        + json.dumps({"owner_id": -t.group_id, "count": t.count, "offset": t.offset, "filter": "owner"})
        + ")"
        for t in tasks
    )
    return f"return [{calls}];"


_SCRIPT_CALL = re.compile(r"\bAPI\.([A-Za-z]+\.[A-Za-z]+)\(")


def script_calls(code: str) -> Counter:
    """API methods a VKScript calls, with how many times: each call inside ``execute`` counts
    against its method's daily quota (social-apis.md §1.6: ``wall.get`` 5 000 a day)."""
    return Counter(_SCRIPT_CALL.findall(code))


def owner_of(error: dict) -> int | None:
    """Community id named in an ``execute_errors`` entry's ``request_params`` (list or dict form)."""
    params = error.get("request_params")
    value = None
    if isinstance(params, list):
        value = next(
            (p.get("value") for p in params if isinstance(p, dict) and p.get("key") == "owner_id"), None
        )
    elif isinstance(params, dict):
        value = params.get("owner_id")
    try:
        return abs(int(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def execute_outcomes(tasks: Sequence[WallTask], raw: dict) -> list[tuple[WallTask, dict | None, dict | None]]:
    """Pair each task with its result, or with its ``execute_errors`` entry when it returned false.

    Errors are matched by the ``owner_id`` in their ``request_params``; when that is missing for
    any failed call they are matched in order (the k-th ``false`` ↔ the k-th error), as vk_api does.
    """
    raw = raw if isinstance(raw, dict) else {}  # an answer of another shape: every call failed
    response = raw.get("response")
    results = response if isinstance(response, list) else []
    listed = raw.get("execute_errors")
    errs = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    by_owner: dict[int, dict] = {}
    for e in errs:
        owner = owner_of(e)
        if owner is not None:
            by_owner.setdefault(owner, e)
    failed = [t for i, t in enumerate(tasks) if not (i < len(results) and isinstance(results[i], dict))]
    use_owner = all(t.group_id in by_owner for t in failed)
    in_order = iter(errs)
    out = []
    for i, task in enumerate(tasks):
        result = results[i] if i < len(results) else None
        if isinstance(result, dict):
            out.append((task, result, None))
        else:
            out.append((task, None, by_owner.get(task.group_id) if use_owner else next(in_order, None)))
    return out


def window_posts(result: dict, offset: int, since_ts: int, count: int = WALL_COUNT) -> tuple[list[dict], bool]:
    """Posts of one wall.get page from ``since_ts`` on, and whether to read the next page.

    Posts dated after the snapshot day are kept, not dropped here: the landing quarantines them
    with their reason and counts them (``warehouse/quarantine.py``).

    The next page is needed only while the oldest non-pinned post of this page is not older than
    the window start (a pinned post comes first whatever its age) and the wall has more posts.
    Without ``count`` the page is taken as the last one when it holds fewer than ``count`` posts.

    :raises BadPayload: ``items`` is not a list, or one of them is not an object with an integer
        ``id`` and ``date`` (the wall is then skipped, not the day).
    """
    items = result.get("items")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise BadPayload("vk", f"bad payload: wall.get items is {type(items).__name__}, not a list")
    for n, post in enumerate(items):
        if not isinstance(post, dict):
            raise BadPayload("vk", f"bad payload: wall.get item {n} is {type(post).__name__}, not an object")
        for key in ("id", "date"):
            payload.integer(post.get(key), f"wall.get item {n} {key}", "vk", required=True)
    kept = [p for p in items if since_ts <= int(p["date"])]  # later ones: the landing quarantines them
    dates = [int(p["date"]) for p in items if not p.get("is_pinned")]
    total = result.get("count")
    has_more = offset + count < total if isinstance(total, int) else len(items) >= count
    return kept, bool(dates) and min(dates) >= since_ts and has_more
