"""The VK API (5.199 shapes) over the simulated world, independent of HTTP (``server.py`` serves it).

Methods: ``groups.getById``, ``wall.get`` and ``execute`` (see ``vkscript.py``). Limits and
errors as the real API: token check (5), per-token requests per second (6), injected server
errors (10), execute compile/runtime errors (12/13), private wall (15), deleted/banned (18),
daily ``wall.get`` quota per token and simulated day (29), bad parameters (100); per page, any
code on ``groups.getById`` / ``wall.get`` and payload anomalies (``Faults.page_errors``,
``Faults.page_anomalies``). Errors are
``{"error": {"error_code", "error_msg", "request_params"}}`` (HTTP 200); failed calls inside
``execute`` become ``false`` plus an ``execute_errors`` entry.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, date, datetime, timedelta

from gospubliki.dates import MOSCOW
from gospubliki.simulator import anomalies, vkscript
from gospubliki.simulator.config import EmulatorConfig, Faults
from gospubliki.simulator.vk_objects import group_object, post_object
from gospubliki.simulator.world import World

MESSAGES = {
    3: "Unknown method passed",
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    10: "Internal server error",
    12: "Unable to compile code",
    13: "Runtime error occurred during code invocation: Too many API calls",
    15: "Access denied: this wall available only for community members",
    18: "User was deleted or banned",
    19: "Content blocked",
    29: "Rate limit reached",
    30: "This profile is private",
    100: "One of the parameters specified was missing or invalid",
}
NEW_GETBYID_SHAPE = (5, 139)  # from this version on groups.getById returns {"groups", "profiles"}


class VkError(Exception):
    def __init__(self, code: int, detail: str = ""):
        self.code = code
        self.msg = MESSAGES.get(code, f"Unknown error {code}") + (f": {detail}" if detail else "")
        super().__init__(self.msg)


def _version(v: str | None) -> tuple[int, int]:
    try:
        major, minor = (v or "5.199").split(".")[:2]
        return int(major), int(minor)
    except ValueError as exc:
        raise VkError(100, "v is invalid") from exc


def _int(params: dict, name: str, default: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise VkError(100, f"{name} not integer") from exc


class Stats:
    """Thread-safe counters, served at ``/_sim/stats``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.http_requests = 0
        self.requests_by_method: Counter = Counter()
        self.requests_by_token: Counter = Counter()
        self.inner_calls: Counter = Counter()
        self.wall_counts: Counter = Counter()  # the ``count`` asked for, per wall.get
        self.wall_posts_served = 0  # posts sent in wall.get answers (transfer, parsing)
        self.errors_by_code: Counter = Counter()
        self.execute_errors_by_code: Counter = Counter()
        self.wall_get_quota_used: defaultdict = defaultdict(Counter)

    def as_dict(self) -> dict:
        with self.lock:
            return {
                "http_requests": self.http_requests,
                "requests_by_method": dict(self.requests_by_method),
                "requests_by_token": dict(self.requests_by_token),
                "inner_calls": dict(self.inner_calls),
                "inner_calls_total": sum(self.inner_calls.values()),
                "wall_counts": dict(self.wall_counts),
                "wall_posts_served": self.wall_posts_served,
                "errors_by_code": {str(k): v for k, v in self.errors_by_code.items()},
                "execute_errors_by_code": {str(k): v for k, v in self.execute_errors_by_code.items()},
                "wall_get_quota_used": {t: dict(d) for t, d in self.wall_get_quota_used.items()},
            }


class VkEmulator:
    """Answers VK API calls for a world on a simulated day."""

    def __init__(self, world: World, config: EmulatorConfig | None = None, faults: Faults | None = None):
        self.world = world
        self.config = config or EmulatorConfig()
        self.faults = faults or Faults()
        self.stats = Stats()
        self._windows: dict[str, deque] = defaultdict(deque)
        self._quota: Counter = Counter()  # (token, day) -> wall.get invocations
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget counters, rate windows and quotas (``/_sim/reset``)."""
        with self._lock:
            self._windows.clear()
            self._quota.clear()
        with self.stats.lock:
            self.stats.reset()

    # ------------------------------------------------------------------ entry point
    def handle(self, method: str, params: dict[str, str], day: date) -> dict:
        """One HTTP request: the JSON body to answer."""
        token = params.get("access_token", "")
        with self.stats.lock:
            self.stats.http_requests += 1
            n = self.stats.http_requests
            self.stats.requests_by_method[method] += 1
            self.stats.requests_by_token[token or "-"] += 1
        try:
            self._admit(token, n)
            if method == "execute":
                return self._execute(params, token, day)
            return {"response": self._call(method, params, token, day)}
        except VkError as err:
            with self.stats.lock:
                self.stats.errors_by_code[err.code] += 1
            shown = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
            shown += [{"key": k, "value": str(v)} for k, v in params.items() if k != "access_token"]
            return {"error": {"error_code": err.code, "error_msg": err.msg, "request_params": shown}}

    def _admit(self, token: str, n: int) -> None:
        if token not in self.config.tokens or token in self.faults.revoked_tokens:
            raise VkError(5)
        if self.faults.rate_limit_every and n % self.faults.rate_limit_every == 0:
            raise VkError(6)
        now = time.monotonic()
        with self._lock:
            window = self._windows[token]
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.config.rate_per_second:
                raise VkError(6)
            window.append(now)
        every = self.faults.server_error_every
        if every and n % every == 0:
            raise VkError(10)

    # ------------------------------------------------------------------ methods
    def _call(self, method: str, params: dict, token: str, day: date) -> object:
        if method == "groups.getById":
            return self._groups_get_by_id(params, day)
        if method == "wall.get":
            return self._wall_get(params, token, day)
        raise VkError(3)

    def _groups_get_by_id(self, params: dict, day: date) -> object:
        raw = params.get("group_ids") or params.get("group_id") or ""
        refs = [r for r in str(raw).split(",") if r.strip()]
        if not refs:
            raise VkError(100, "group_ids is undefined")
        if len(refs) > self.config.max_group_ids:
            raise VkError(100, f"group_ids is too long (max {self.config.max_group_ids})")
        fields = {f.strip() for f in str(params.get("fields", "")).split(",") if f.strip()}
        sign = -1 if day in self.faults.negative_members_on else 1
        groups, seen = [], set()
        for ref in refs:
            page = self.world.vk_page(ref)
            if page is None or page.page_id in seen:
                continue  # unknown refs are left out, as the real API does
            if (code := self.faults.page_error(page.key, "groups.getById")) is not None:
                raise VkError(code, f"group {page.page_id}")  # one page fails the whole batch
            seen.add(page.page_id)
            group = group_object(page, fields, sign * self.world.members_on(page, day))
            groups.append(anomalies.group(self.faults.anomaly(page.key), group, "vk"))
        if _version(params.get("v")) >= NEW_GETBYID_SHAPE:
            return {"groups": groups, "profiles": []}
        return groups

    def _wall_get(self, params: dict, token: str, day: date) -> dict:
        key = (token, day.isoformat())
        with self._lock:
            if self._quota[key] >= self.config.wall_get_daily_quota:
                raise VkError(29)
            self._quota[key] += 1
        with self.stats.lock:
            self.stats.wall_get_quota_used[token][day.isoformat()] += 1
        owner = params.get("owner_id")
        if owner not in (None, ""):
            owner_id = _int(params, "owner_id", 0)
            page = self.world.vk_page(-owner_id) if owner_id < 0 else None
        elif params.get("domain"):
            page = self.world.vk_page(params["domain"])
        else:
            raise VkError(100, "owner_id is undefined")
        if page is None:
            raise VkError(100, "owner_id is incorrect")
        if page.deactivated:
            raise VkError(18)
        if page.is_closed:
            raise VkError(15)
        if (code := self.faults.page_error(page.key, "wall.get")) is not None:
            raise VkError(code)
        count = min(max(_int(params, "count", 20), 0), self.config.max_wall_count)
        offset = max(_int(params, "offset", 0), 0)
        if params.get("filter", "all") not in ("all", "owner", ""):
            return {"count": 0, "items": []}
        total, posts = self.world.wall(page, day, offset, count)
        kind = self.faults.anomaly(page.key)
        items = anomalies.posts(kind, [anomalies.post(kind, post_object(page, p), "vk") for p in posts], "vk")
        if offset == 0 and page.page_id in self.faults.vk_wall_anomalies:
            items = _with_anomalies(items, day, self.faults.vk_wall_anomalies[page.page_id])
        with self.stats.lock:
            self.stats.wall_counts[count] += 1
            self.stats.wall_posts_served += len(items)
        return {"items": items} if kind == "missing_count" else {"count": total, "items": items}

    def _execute(self, params: dict, token: str, day: date) -> dict:
        try:
            script = vkscript.parse(str(params.get("code", "")))
        except vkscript.ScriptError as exc:
            raise VkError(12, str(exc)) from exc
        if len(script.calls) > self.config.max_execute_calls:
            raise VkError(13)
        results, errors = [], []
        for method, args in script.calls:
            with self.stats.lock:
                self.stats.inner_calls[method] += 1
            inner = {k: _form_value(v) for k, v in args.items()} | {"v": params.get("v", "5.199")}
            try:
                results.append(self._call(method, inner, token, day))
            except VkError as err:
                results.append(False)
                errors.append({"method": method, "error_code": err.code, "error_msg": err.msg})
                with self.stats.lock:
                    self.stats.execute_errors_by_code[err.code] += 1
        body: dict = {"response": results if script.returns_array else results[0]}
        if errors:
            body["execute_errors"] = errors
        return body


def _with_anomalies(items: list[dict], day: date, kinds: dict[str, int]) -> list[dict]:
    """The first page of a wall with the implausible posts of ``Faults.vk_wall_anomalies``."""
    if not items:
        return items
    day_end = int(datetime.combine(day + timedelta(days=1), datetime.min.time(), MOSCOW).timestamp())
    template = {k: v for k, v in items[0].items() if k != "is_pinned"}
    after_day = [{**template, "id": 10**9 + k, "date": day_end + 3600 * k} for k in range(kinds.get("after_day", 0))]
    year_2100 = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp())
    after_now = [{**template, "id": 2 * 10**9 + k, "date": year_2100} for k in range(kinds.get("after_now", 0))]
    items = [dict(i) for i in items]
    repeated = [dict(i) for i in items[: kinds.get("repeated", 0)]]
    for k in range(len(repeated), len(repeated) + kinds.get("negative_likes", 0)):
        items[k]["likes"] = {**items[k]["likes"], "count": -1 - k}
    return after_now + after_day + items + repeated


def _form_value(value: object) -> str:
    """A VKScript argument as the form value the API would receive."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
