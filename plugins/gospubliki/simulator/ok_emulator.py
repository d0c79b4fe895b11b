"""The OK REST API over the simulated world, independent of HTTP (``server.py`` serves it at
``/fb.do`` and ``/api/<group>/<method>``, also under ``/asof/YYYY-MM-DD``).

Methods: ``group.getInfo`` (≤ 100 ``uids``; a bare array or ``{"groups": [...]}`` as configured),
``url.getInfo`` (a group link → ``{"type": "GROUP", "objectId"}``) and ``mediatopic.getTopics``
(newest first, ``count`` ≤ 100, paging by an opaque ``anchor`` with ``direction=FORWARD``; only
topics published up to the end of the simulated day). Every request must carry the configured
``application_key`` (else 101), a known ``access_token`` (else 103) and a valid md5 ``sig``
(social-apis.md §3.2; else 104). Per token and simulated day at most ``ok_daily_call_budget``
calls (then 11). Errors come in a 200 body as ``{"error_code", "error_msg", "error_data"}``.

Groups: deleted ones do not exist any more (left out of ``group.getInfo``, 300 from
``url.getInfo``, 160 from ``mediatopic.getTopics``); blocked ones (the world's ``banned``) carry
``blocked``; private ones have ``access_type`` ``CLOSED``; the topics of both answer 456.

Per page, any code on ``group.getInfo`` / ``mediatopic.getTopics`` / ``url.getInfo`` and payload
anomalies (``Faults.page_errors``, ``Faults.page_anomalies``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections import Counter, defaultdict
from datetime import date

from gospubliki.registry.links import BadLink, normalize_ok
from gospubliki.simulator import activity, anomalies
from gospubliki.simulator.config import EmulatorConfig, Faults
from gospubliki.simulator.model import Page
from gospubliki.simulator.ok_objects import group_fields, group_object, topic_fields, topic_object
from gospubliki.simulator.world import World

MESSAGES = {
    2: "SERVICE : Service temporarily unavailable",
    3: "METHOD : Method does not exist",
    8: "FLOOD_BLOCKED : Too many requests, the session is temporarily blocked",
    11: "LIMIT_REACHED : Method invocation limit reached",
    100: "PARAM : Invalid parameter",
    101: "PARAM_API_KEY : Application key is invalid",
    102: "PARAM_SESSION_EXPIRED : Session expired",
    103: "PARAM_SESSION_KEY : Invalid session key",
    104: "PARAM_SIGNATURE : Invalid signature",
    160: "PARAM_GROUP_ID : Invalid group id",
    300: "NOT_FOUND : Requested object not found",
    453: "SESSION_REQUIRED : Session is required",
    456: "GROUP_RESTRICTION : Access to the group content is restricted",
    9999: "SYSTEM : Critical system error",
}
UNSIGNED = ("access_token", "session_key", "sig")


def expected_sig(params: dict[str, str], token: str, application_secret_key: str) -> str:
    """The ``sig`` the server expects (its own implementation of social-apis.md §3.2, kept apart
    from the client's so a signing bug on either side shows)."""
    session_secret = hashlib.md5(f"{token}{application_secret_key}".encode()).hexdigest().lower()
    pairs = sorted((k, v) for k, v in params.items() if k not in UNSIGNED)
    return hashlib.md5(("".join(f"{k}={v}" for k, v in pairs) + session_secret).encode()).hexdigest()


class OkError(Exception):
    def __init__(self, code: int, detail: str = ""):
        self.code = code
        self.msg = MESSAGES.get(code, f"ERROR {code}") + (f": {detail}" if detail else "")
        super().__init__(self.msg)


class OkStats:
    """Thread-safe counters, served at ``/_sim/stats`` under ``"ok"``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.http_requests = 0
        self.requests_by_method: Counter = Counter()
        self.requests_by_token: Counter = Counter()
        self.errors_by_code: Counter = Counter()
        self.calls_used: defaultdict = defaultdict(Counter)  # token -> day -> calls within budget

    def as_dict(self) -> dict:
        with self.lock:
            return {
                "http_requests": self.http_requests,
                "requests_by_method": dict(self.requests_by_method),
                "requests_by_token": dict(self.requests_by_token),
                "errors_by_code": {str(k): v for k, v in self.errors_by_code.items()},
                "calls_used": {t: dict(d) for t, d in self.calls_used.items()},
            }


def _anchor(group_id: int, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{group_id}:{offset}".encode()).decode().rstrip("=")


def _offset_of(anchor: str, group_id: int) -> int:
    try:
        text = base64.urlsafe_b64decode(anchor + "=" * (-len(anchor) % 4)).decode()
        gid, offset = text.split(":")
        if int(gid) != group_id or int(offset) < 0:
            raise ValueError(text)
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise OkError(100, "anchor is invalid") from exc


class OkEmulator:
    """Answers OK API calls for a world on a simulated day."""

    def __init__(self, world: World, config: EmulatorConfig | None = None, faults: Faults | None = None):
        self.world = world
        self.config = config or EmulatorConfig()
        self.faults = faults or Faults()
        self.stats = OkStats()
        self._by_id: dict[int, Page] = {}
        self._by_name: dict[str, Page] = {}
        for page in world.pages_on("ok"):
            self._by_id[page.page_id] = page
            if page.screen_name:
                self._by_name[page.screen_name.lower()] = page
        self._budget: Counter = Counter()  # (token, day) -> calls
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget counters and budgets (``/_sim/reset``)."""
        with self._lock:
            self._budget.clear()
        with self.stats.lock:
            self.stats.reset()

    # ------------------------------------------------------------------ entry point
    def handle(self, method: str | None, params: dict[str, str], day: date) -> tuple[int, object]:
        """One HTTP request (``method`` from an ``/api/…`` path, else the ``method`` parameter):
        ``(HTTP status, JSON body)``."""
        method = method or params.get("method", "")
        token = params.get("access_token") or params.get("session_key") or ""
        with self.stats.lock:
            self.stats.http_requests += 1
            n = self.stats.http_requests
            self.stats.requests_by_method[method or "-"] += 1
            self.stats.requests_by_token[token or "-"] += 1
        every = self.faults.ok_http_error_every
        if every and n % every == 0:
            with self.stats.lock:
                self.stats.errors_by_code["http 503"] += 1
            return 503, {"error": "Service Unavailable"}
        try:
            self._admit(params, token, day, n)
            return 200, self._call(method, params, day)
        except OkError as err:
            with self.stats.lock:
                self.stats.errors_by_code[err.code] += 1
            return 200, {"error_code": err.code, "error_msg": err.msg, "error_data": None}

    def _admit(self, params: dict, token: str, day: date, n: int) -> None:
        cfg = self.config
        if params.get("application_key") != cfg.ok_application_key:
            raise OkError(101)
        if not token:
            raise OkError(453)
        if token not in cfg.ok_tokens:
            raise OkError(103)
        if params.get("sig", "").lower() != expected_sig(params, token, cfg.ok_application_secret_key):
            raise OkError(104)
        if token in self.faults.ok_token_errors:
            raise OkError(self.faults.ok_token_errors[token])
        key = (token, day.isoformat())
        with self._lock:
            if self._budget[key] >= cfg.ok_daily_call_budget:
                raise OkError(11)
            self._budget[key] += 1
        with self.stats.lock:
            self.stats.calls_used[token][day.isoformat()] += 1
        every = self.faults.ok_error_every
        if every and n % every == 0:
            raise OkError(2)

    # ------------------------------------------------------------------ methods
    def _call(self, method: str, params: dict, day: date) -> object:
        if method == "group.getInfo":
            return self._group_get_info(params, day)
        if method == "url.getInfo":
            return self._url_get_info(params)
        if method == "mediatopic.getTopics":
            return self._get_topics(params, day)
        raise OkError(3)

    def _group_get_info(self, params: dict, day: date) -> object:
        uids = [u.strip() for u in str(params.get("uids", "")).split(",") if u.strip()]
        if not uids:
            raise OkError(100, "uids is missing")
        if len(uids) > self.config.ok_max_uids:
            raise OkError(100, f"too many uids (max {self.config.ok_max_uids})")
        if not all(u.isdigit() for u in uids):
            raise OkError(160, "uids must be numeric group ids")
        fields = group_fields(str(params.get("fields", "")))
        if not fields:
            raise OkError(100, "fields is missing")
        sign = -1 if day in self.faults.negative_members_on else 1
        groups, seen = [], set()
        for uid in uids:
            page = self._by_id.get(int(uid))
            if page is None or page.state == "deleted" or page.page_id in seen:
                continue  # groups that do not exist are left out
            if (code := self.faults.page_error(page.key, "group.getInfo")) is not None:
                raise OkError(code, f"group {page.page_id}")  # one group fails the whole request
            seen.add(page.page_id)
            group = group_object(page, fields, sign * self.world.members_on(page, day))
            groups.append(anomalies.group(self.faults.anomaly(page.key), group, "ok"))
        return {"groups": groups} if self.config.ok_getinfo_shape == "groups" else groups

    def _url_get_info(self, params: dict) -> dict:
        url = str(params.get("url", "")).strip()
        try:
            ref = normalize_ok(url).ref
        except BadLink as exc:
            raise OkError(100, "url is invalid") from exc
        page = self._by_id.get(int(ref)) if ref.isdigit() else self._by_name.get(ref)
        if page is None or page.state == "deleted":
            raise OkError(300)
        if (code := self.faults.page_error(page.key, "url.getInfo")) is not None:
            raise OkError(code)
        return {"type": "GROUP", "objectId": page.page_id, "objectIdStr": str(page.page_id)}

    def _get_topics(self, params: dict, day: date) -> dict:
        gid = str(params.get("gid", "")).strip()
        if not gid.isdigit():
            raise OkError(160, "gid is missing or not numeric")
        page = self._by_id.get(int(gid))
        if page is None or page.state == "deleted":
            raise OkError(160)
        if page.state in ("banned", "private"):
            raise OkError(456)
        if (code := self.faults.page_error(page.key, "mediatopic.getTopics")) is not None:
            raise OkError(code)
        try:
            count = int(params.get("count") or 20)
        except ValueError as exc:
            raise OkError(100, "count is not a number") from exc
        count = min(max(count, 1), self.config.ok_max_topics_count)
        if str(params.get("direction") or "FORWARD").upper() != "FORWARD":
            raise OkError(100, "only direction=FORWARD is supported")
        offset = _offset_of(str(params["anchor"]), page.page_id) if params.get("anchor") else 0
        fields = topic_fields(str(params.get("fields", "")))
        seed = self.world.seed
        total = activity.posts_count(page, day, seed)  # published up to the end of the day
        end = min(offset + count, total)
        kind = self.faults.anomaly(page.key)
        topics = anomalies.posts(
            kind,
            [
                anomalies.post(kind, topic_object(page, activity.post(page, total - 1 - pos, day, seed), fields), "ok")
                for pos in range(offset, end)
            ],
            "ok",
        )
        return {"media_topics": topics, "anchor": _anchor(page.page_id, end), "has_more": end < total}
