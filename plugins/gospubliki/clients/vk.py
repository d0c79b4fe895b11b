"""VK API client over the real ``vk_api`` 11.10.1 (pure Python, no Airflow).

* one ``VkApi`` per token (its lock paces one token at ``rps``); tokens work in parallel threads
  through a shared queue (:mod:`gospubliki.clients.pool`), a token stopped by error 5/14/17/29 is
  retired for the run and its work goes to the others;
* the base URL is applied at the requests-session level (:mod:`gospubliki.clients.http`), with a
  timeout; the HTTP requests actually sent are counted per method;
* transient errors (6, 9, 10, HTTP 5xx, timeouts) are retried with ``tenacity`` (bounded,
  exponential back-off); vk_api's own unbounded retry of error 6 is replaced;
* ``groups.getById`` in batches of 500 refs; ``wall.get`` 25 per ``execute``: a small first page
  (``wall_first_count`` posts, 10 by default), then full pages of 100 only for walls whose previous
  page does not reach back to the window start; the calls sent inside ``execute`` are counted per
  method too (``inner_calls``: they count against the daily ``wall.get`` quota).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import jconfig
import requests
import vk_api
from tenacity import Retrying, before_sleep_log, retry_if_exception_type, stop_after_attempt, wait_exponential
from vk_api.exceptions import CAPTCHA_ERROR_CODE, TOO_MANY_RPS_CODE, VkApiError

from gospubliki.clients import vk_batches as vb
from gospubliki.clients.errors import (
    BAD_PAYLOAD,
    Action,
    ApiFailure,
    BadPayload,
    CredentialStopped,
    PageSkipped,
    RetryableError,
)
from gospubliki.clients.http import RequestCounter, rewriting_session
from gospubliki.clients.pool import CredentialPool, CredentialsExhausted, StopAndRequeue
from gospubliki.clients.vk_settings import VK_REAL_URL

log = logging.getLogger(__name__)

API_VERSION = "5.199"
GROUP_FIELDS = "members_count,verified,is_closed,deactivated,description,cover,screen_name,activity,photo_200"
NO_CREDENTIALS = "no credentials left"


@dataclass(frozen=True)
class Skip:
    """Why a page (or its wall) was not read: ``status`` is the page's ``fetch_status``."""

    status: str  # ok | deactivated | private | not_found | error
    reason: str  # for people (raw.vk_pages.error_reason)
    kind: str  # short stable label for counting (details.skipped_pages.by_reason)

    @classmethod
    def for_error(cls, code, message: str, *, status: str | None = None) -> Skip:
        """A page skipped for an API error (``status``: VK's for ``code`` unless given); the
        reason always names the code."""
        if code == BAD_PAYLOAD:  # an answer of an unexpected shape: the message names the field
            return cls(status or "error", message, BAD_PAYLOAD)
        label = code if code is not None else "unknown"
        reason = message if str(label) in message else f"error {label}: {message}"
        return cls(status or vb.skip_status(code), reason, f"error_{label}")

    @classmethod
    def retries_exhausted(cls, message: str) -> Skip:
        return cls("error", f"retries exhausted: {message}", "retries_exhausted")


NO_CREDENTIALS_SKIP = Skip("error", NO_CREDENTIALS, "no_credentials_left")
NOT_FOUND_SKIP = Skip("not_found", "not returned by groups.getById", "not_found")


@dataclass
class GroupsResult:
    groups: dict[str, dict] = field(default_factory=dict)  # ref -> group JSON
    skipped: dict[str, Skip] = field(default_factory=dict)  # ref -> why not found/read


@dataclass
class WallsResult:
    posts: dict[int, list[dict]] = field(default_factory=dict)  # group id -> posts JSON as read (repeats kept)
    skipped: dict[int, Skip] = field(default_factory=dict)  # group id -> why the wall was not (fully) read


@dataclass
class ErrorStats:
    """Thread-safe count of the API errors seen, by class (action) and by code."""

    by_class: Counter = field(default_factory=Counter)
    by_code: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, action: Action, code) -> None:
        with self._lock:
            self.by_class[Action(action).value] += 1
            self.by_code[str(code)] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"by_class": dict(self.by_class), "by_code": dict(self.by_code)}


def group_skip(group: dict) -> Skip | None:
    """Pages whose wall is not requested: deactivated communities and private ones (is_closed=2)."""
    if group.get("deactivated") and vb.classify("deactivated") is Action.SKIP_PAGE:
        return Skip(
            "deactivated", f"deactivated: {group['deactivated']}", f"deactivated:{group['deactivated']}"
        )
    if group.get("is_closed") == 2:
        return Skip("private", "private community (is_closed=2)", "private")
    return None


def format_base_url(base_url: str, snapshot_date: date | None) -> str:
    """Fill ``{snapshot_date}`` in a base URL (the simulator's ``/asof/YYYY-MM-DD``)."""
    if "{snapshot_date}" not in base_url:
        return base_url
    if snapshot_date is None:
        raise ValueError(f"the VK base URL needs a snapshot date: {base_url}")
    return base_url.format(snapshot_date=snapshot_date.isoformat())


def _raise_retryable(error) -> None:
    """Replaces vk_api's unbounded retry of error 6: tenacity bounds it instead."""
    raise RetryableError(
        "vk", TOO_MANY_RPS_CODE, f"{error.method}: {error.error.get('error_msg', 'too many requests')}"
    )


class VkClient:
    """A pool of VK tokens reading communities and their walls.

    :param tokens: access tokens; never logged (they appear as ``token#1`` …).
    :param base_url: API base URL (``https://api.vk.ru``; the simulator's URL in tests).
    :param rps: requests per second per token.
    :param timeout: HTTP timeout in seconds.
    :param retries: attempts per request for transient errors.
    :param retry_wait: first back-off wait in seconds (doubles each time, at most ``max_retry_wait``).
    :param parallel: tokens used at once (one thread each); the others are spares.
    """

    def __init__(
        self,
        tokens: Sequence[str],
        *,
        base_url: str = VK_REAL_URL,
        rps: float = 3.0,
        timeout: float = 30.0,
        retries: int = 5,
        retry_wait: float = 0.5,
        max_retry_wait: float = 30.0,
        parallel: int = 4,
        wall_first_count: int = vb.WALL_FIRST_COUNT,
    ):
        if "{" in base_url:
            raise ValueError(f"fill the placeholders of the VK base URL first (format_base_url): {base_url}")
        self.base_url = base_url.rstrip("/")
        self.retries = max(1, retries)
        self.wall_first_count = min(max(1, wall_first_count), vb.WALL_COUNT)
        self.requests = RequestCounter()
        self.inner_calls = RequestCounter()  # API calls sent inside execute, by method (daily quotas)
        self.errors = ErrorStats()
        self._retrying = Retrying(
            stop=stop_after_attempt(self.retries),
            wait=wait_exponential(multiplier=retry_wait, min=retry_wait, max=max_retry_wait),
            retry=retry_if_exception_type(RetryableError),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        apis = [self._make_api(t, base_url, rps, timeout) for t in tokens]
        labels = [f"token#{i}" for i in range(1, len(apis) + 1)]
        self.pool = CredentialPool(apis, labels, max_parallel=parallel, network="vk")

    def _make_api(self, token: str, base_url: str, rps: float, timeout: float) -> vk_api.VkApi:
        session = rewriting_session(VK_REAL_URL, base_url, timeout=timeout, counter=self.requests)
        api = vk_api.VkApi(token=token, api_version=API_VERSION, session=session, config=jconfig.MemoryConfig)
        api.RPS_DELAY = 1.0 / rps if rps > 0 else 0.0
        api.error_handlers[TOO_MANY_RPS_CODE] = _raise_retryable
        # 14 as a plain ApiError: vk_api's Captcha object needs fields a stopped token never uses
        api.error_handlers.pop(CAPTCHA_ERROR_CODE, None)
        return api

    @property
    def stopped_tokens(self) -> dict[str, str]:
        """Retired tokens (by label) and why."""
        return dict(self.pool.stopped)

    def close(self) -> None:
        for api in self.pool.slots:
            api.http.close()

    # ------------------------------------------------------------------ one request
    def call(self, api: vk_api.VkApi, method: str, values: dict, *, raw: bool = False):
        """One API request with bounded retries; failures come out as classified ``ApiFailure``."""
        for attempt in self._retrying.copy():
            with attempt:
                return self._call_once(api, method, values, raw)
        raise AssertionError("unreachable")  # pragma: no cover - Retrying re-raises

    def _call_once(self, api: vk_api.VkApi, method: str, values: dict, raw: bool):
        if method == "execute":  # every attempt: VK counts the calls of each execute it receives
            for inner, n in vb.script_calls(values.get("code", "")).items():
                self.inner_calls.add(inner, n)
        try:
            return api.method(method, values, raw=raw)
        except ApiFailure as exc:  # error 6, raised by our handler inside vk_api
            self.errors.add(exc.action, exc.code)
            raise
        except (VkApiError, requests.RequestException) as exc:
            failure = vb.to_failure(exc, method)
            self.errors.add(failure.action, failure.code)
            raise failure from exc

    # ------------------------------------------------------------------ groups.getById
    def get_groups(self, refs: Sequence[str]) -> GroupsResult:
        """Communities for ``refs`` (ids or screen names), 500 per request.

        :raises CredentialsExhausted: every token stopped; ``.partial`` holds the result so far
            (refs not read are skipped with ``no credentials left``).
        """
        result, lock = GroupsResult(), threading.Lock()

        def work(api, unit: tuple[str, ...]):
            try:
                response = self.call(
                    api, "groups.getById", {"group_ids": ",".join(unit), "fields": GROUP_FIELDS}
                )
                groups = vb.groups_of(response)
            except PageSkipped as exc:
                if len(unit) > 1:  # one bad ref fails the whole batch: halve until it is alone
                    return [unit[: len(unit) // 2], unit[len(unit) // 2 :]]
                with lock:
                    result.skipped[unit[0]] = Skip.for_error(exc.code, exc.message)
                return None
            except RetryableError as exc:
                with lock:
                    result.skipped.update({ref: Skip.retries_exhausted(exc.message) for ref in unit})
                return None
            found = vb.match_groups(unit, groups)
            with lock:
                result.groups.update(found)
                result.skipped.update({ref: NOT_FOUND_SKIP for ref in unit if ref not in found})
            return None

        try:
            self.pool.run(
                vb.chunks(list(dict.fromkeys(refs)), vb.GET_BY_ID_BATCH), work, what="groups.getById"
            )
        except CredentialsExhausted as exc:
            result.skipped.update({ref: NO_CREDENTIALS_SKIP for unit in exc.pending for ref in unit})
            raise CredentialsExhausted(str(exc), exc.pending, partial=result) from exc
        return result

    # ------------------------------------------------------------------ wall.get via execute
    def get_walls(self, group_ids: Sequence[int], since: datetime, until: datetime) -> WallsResult:
        """Posts published from ``since`` on, on the walls of ``group_ids``.

        ``until`` (the end of the snapshot day) is not a filter here: newer posts, and posts read
        twice, reach the landing, which quarantines them with their reason (``warehouse/quarantine.py``).

        Rounds of ``execute`` batches (25 ``wall.get`` each): the first round reads every wall's
        first page; later rounds read further pages of the walls that need them, and re-try inner
        calls that failed transiently.

        :raises CredentialsExhausted: every token stopped; ``.partial`` holds the posts read (walls
            not fully read are skipped with ``no credentials left``).
        """
        result, lock = WallsResult(), threading.Lock()
        window = (int(since.timestamp()),)
        first = self.wall_first_count
        tasks = [vb.WallTask(g, count=first) for g in dict.fromkeys(int(g) for g in group_ids)]
        round_no = 0
        while tasks:
            round_no += 1
            later: list[vb.WallTask] = []

            def work(api, unit, later=later):
                return self._wall_unit(api, unit, window, result, later, lock)

            try:
                self.pool.run(vb.chunks(tasks, vb.EXECUTE_CALLS), work, what=f"wall.get round {round_no}")
            except CredentialsExhausted as exc:
                unread = {t.group_id for unit in exc.pending for t in unit} | {t.group_id for t in later}
                result.skipped.update({g: NO_CREDENTIALS_SKIP for g in unread})
                raise CredentialsExhausted(str(exc), exc.pending, partial=result) from exc
            tasks = later
        return result

    def _wall_unit(self, api, unit: tuple[vb.WallTask, ...], window, result: WallsResult, later: list, lock):
        try:
            raw = self.call(api, "execute", {"code": vb.wall_script(unit)}, raw=True)
        except CredentialStopped:
            raise  # the pool re-queues the unit for another token
        except RetryableError as exc:
            with lock:
                result.skipped.update({t.group_id: Skip.retries_exhausted(exc.message) for t in unit})
            return None
        except ApiFailure as exc:
            if len(unit) > 1 and (exc.action is Action.SKIP_PAGE or exc.code == 13):  # 13: response too big
                return [unit[: len(unit) // 2], unit[len(unit) // 2 :]]
            if exc.action is not Action.SKIP_PAGE:
                raise
            with lock:
                result.skipped[unit[0].group_id] = Skip.for_error(exc.code, exc.message)
            return None
        stop: CredentialStopped | None = None
        requeue = []
        for task, page, error in vb.execute_outcomes(unit, raw):
            if page is not None:
                try:
                    posts, more = vb.window_posts(page, task.offset, window[0], task.count)
                except BadPayload as exc:
                    self.errors.add(exc.action, exc.code)
                    with lock:
                        result.posts.pop(task.group_id, None)  # a wall is landed whole or not at all
                        result.skipped[task.group_id] = Skip.for_error(exc.code, exc.message)
                    continue
                with lock:
                    if task.group_id in result.skipped:  # an earlier page of this wall was refused
                        continue
                    # a post read twice is kept twice: the landing quarantines the repeat
                    result.posts.setdefault(task.group_id, []).extend(p for p in posts if "id" in p)
                    if more:
                        later.append(task.next_page())
                continue
            code = (error or {}).get("error_code")
            message = f"wall.get error {code}: {(error or {}).get('error_msg', 'execute returned false')}"
            action = vb.classify(code) if code is not None else Action.SKIP_PAGE
            self.errors.add(action, code)
            if action is Action.STOP_CREDENTIAL:
                stop, requeue = CredentialStopped("vk", code, message), [*requeue, task]
            elif action is Action.RETRY and task.attempt + 1 < self.retries:
                with lock:
                    later.append(task.retried())
            elif action in (Action.RETRY, Action.SKIP_PAGE):
                skip = (
                    Skip.for_error(code, message)
                    if action is Action.SKIP_PAGE
                    else Skip.retries_exhausted(message)
                )
                with lock:
                    result.skipped[task.group_id] = skip
            else:
                raise ApiFailure("vk", code, message, action, page_key=f"vk:{task.group_id}")
        if stop is not None:
            raise StopAndRequeue(stop, [tuple(requeue)])
        return None
