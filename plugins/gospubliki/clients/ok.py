"""OK (Одноклассники) REST API client over ``requests`` (pure Python, no Airflow).

* every request is a signed POST to ``fb.do`` (:func:`gospubliki.clients.ok_protocol.signature`);
  the base URL is applied at the requests-session level with a timeout
  (:mod:`gospubliki.clients.http`), and the requests actually sent are counted per API method;
* one application (key + secret) and a pool of access tokens: tokens work in parallel threads
  through a shared queue (:mod:`gospubliki.clients.pool`), each paced at ``rps``; a token stopped
  by error 8/11/102/103/104 is retired for the run and its work goes to the others;
* transient errors (2, 9999, HTTP 5xx, timeouts) are retried with ``tenacity`` (bounded,
  exponential back-off); pages are skipped with the reason for 160/300/456;
* ``group.getInfo`` 100 ids per request; ``mediatopic.getTopics`` one request per group, with
  further pages (``anchor``) only for groups whose first page does not reach the window start;
  ``url.getInfo`` resolves short names (the extractor caches the answers).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import requests
from tenacity import Retrying, before_sleep_log, retry_if_exception_type, stop_after_attempt, wait_exponential

from gospubliki.clients import ok_protocol as op
from gospubliki.clients.errors import (
    Action,
    ApiFailure,
    BadPayload,
    CredentialStopped,
    PageSkipped,
    RetryableError,
)
from gospubliki.clients.http import RequestCounter, rewriting_session
from gospubliki.clients.ok_settings import OK_REAL_URL
from gospubliki.clients.pool import CredentialPool, CredentialsExhausted
from gospubliki.clients.vk import NO_CREDENTIALS_SKIP, ErrorStats, Skip

log = logging.getLogger(__name__)

ENDPOINT = OK_REAL_URL + "/fb.do"  # rewritten to the configured base URL by the session
NOT_RETURNED_SKIP = Skip("not_found", "not returned by group.getInfo (deleted or no such group)", "not_found")
NOT_A_GROUP_SKIP = Skip("not_found", "url.getInfo: the link is not an OK group", "not_a_group")


def skip_for(exc: ApiFailure) -> Skip:
    """How a page skipped for ``exc`` (160/300/456, an unknown code, a bad answer) is recorded."""
    return Skip.for_error(exc.code, exc.message, status=op.skip_status(exc.code))


@dataclass
class GroupsResult:
    groups: dict[int, dict] = field(default_factory=dict)  # group id -> group JSON
    skipped: dict[int, Skip] = field(default_factory=dict)  # group id -> why not read


@dataclass
class NamesResult:
    ids: dict[str, int] = field(default_factory=dict)  # short name -> group id
    skipped: dict[str, Skip] = field(default_factory=dict)  # short name -> why not resolved


@dataclass
class TopicsResult:
    posts: dict[int, list[dict]] = field(default_factory=dict)  # group id -> topics JSON as read (repeats kept)
    skipped: dict[int, Skip] = field(default_factory=dict)  # group id -> why not (fully) read
    pages: Counter = field(default_factory=Counter)  # group id -> getTopics pages read


@dataclass(frozen=True)
class TopicTask:
    """One ``mediatopic.getTopics`` page: a group's topics from ``anchor`` (``None``: the newest)."""

    group_id: int
    anchor: str | None = None


class _Pacer:
    """At most ``rps`` requests per second for one token."""

    def __init__(self, rps: float):
        self.interval = 1.0 / rps if rps > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


@dataclass
class _Slot:
    """One access token: its HTTP session and its pace."""

    token: str = field(repr=False)
    session: requests.Session
    pacer: _Pacer


def format_base_url(base_url: str, snapshot_date: date | None) -> str:
    """Fill ``{snapshot_date}`` in a base URL (the simulator's ``/asof/YYYY-MM-DD``)."""
    if "{snapshot_date}" not in base_url:
        return base_url
    if snapshot_date is None:
        raise ValueError(f"the OK base URL needs a snapshot date: {base_url}")
    return base_url.format(snapshot_date=snapshot_date.isoformat())


class OkClient:
    """A pool of OK access tokens of one application reading groups and their topics.

    :param application_key: the application's public key (sent as ``application_key``).
    :param application_secret_key: signs every request; never sent, never logged.
    :param tokens: access tokens; never logged (they appear as ``token#1`` …).
    :param base_url: API base URL (``https://api.ok.ru``; the simulator's URL in tests).
    :param rps: requests per second per token.
    :param topics_count: topics per ``mediatopic.getTopics`` page.
    """

    def __init__(
        self,
        application_key: str,
        application_secret_key: str,
        tokens: Sequence[str],
        *,
        base_url: str = OK_REAL_URL,
        rps: float = 5.0,
        timeout: float = 30.0,
        retries: int = 5,
        retry_wait: float = 0.5,
        max_retry_wait: float = 30.0,
        parallel: int = 4,
        topics_count: int = op.TOPICS_COUNT,
    ):
        if "{" in base_url:
            raise ValueError(f"fill the placeholders of the OK base URL first (format_base_url): {base_url}")
        if not application_key or not application_secret_key:
            raise ValueError("the OK application key and application secret key are both required")
        self.base_url = base_url.rstrip("/")
        self.application_key = application_key
        self._secret_key = application_secret_key
        self.topics_count = topics_count
        self.requests = RequestCounter()
        self.errors = ErrorStats()
        self._retrying = Retrying(
            stop=stop_after_attempt(max(1, retries)),
            wait=wait_exponential(multiplier=retry_wait, min=retry_wait, max=max_retry_wait),
            retry=retry_if_exception_type(RetryableError),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        slots = [
            _Slot(t, rewriting_session(OK_REAL_URL, self.base_url, timeout=timeout), _Pacer(rps))
            for t in tokens
        ]
        labels = [f"token#{i}" for i in range(1, len(slots) + 1)]
        self.pool = CredentialPool(slots, labels, max_parallel=parallel, network="ok")

    def __repr__(self) -> str:
        return f"OkClient(base_url={self.base_url!r}, tokens={len(self.pool.slots)})"

    @property
    def stopped_tokens(self) -> dict[str, str]:
        """Retired tokens (by label) and why."""
        return dict(self.pool.stopped)

    def close(self) -> None:
        for slot in self.pool.slots:
            slot.session.close()

    # ------------------------------------------------------------------ one request
    def call(self, slot: _Slot, method: str, params: dict) -> object:
        """One API request with bounded retries; failures come out as classified ``ApiFailure``."""
        for attempt in self._retrying.copy():
            with attempt:
                return self._call_once(slot, method, params)
        raise AssertionError("unreachable")  # pragma: no cover - Retrying re-raises

    def _call_once(self, slot: _Slot, method: str, params: dict) -> object:
        form = op.signed_params(
            method,
            params,
            application_key=self.application_key,
            access_token=slot.token,
            secret_key=self._secret_key,
        )
        slot.pacer.wait()
        self.requests.add(method)
        try:
            response = slot.session.post(ENDPOINT, data=form)
        except requests.RequestException as exc:  # the token is in the body, never in the message
            raise self._failed(type(exc).__name__, f"{method}: {exc}", op.classify(exc)) from exc
        if response.status_code != 200:
            status = response.status_code
            raise self._failed(f"http {status}", f"{method}: HTTP {status}", op.http_action(status))
        try:
            body = response.json()
        except ValueError as exc:
            raise self._failed("bad json", f"{method}: the response is not JSON", Action.FAIL) from exc
        if (error := op.error_in(body)) is not None:
            failure = op.api_failure(method, *error)
            self.errors.add(failure.action, failure.code)
            raise failure
        return body

    def _failed(self, code: str, message: str, action: Action) -> ApiFailure:
        self.errors.add(action, code)
        return op.failure(code, message, action)

    def _run(self, units, work: Callable, what: str, result, unread: Callable[[list], None]) -> None:
        """``pool.run``; when every token stopped, ``unread(pending units)`` marks what was left and
        :class:`CredentialsExhausted` is re-raised with ``partial=result``."""
        try:
            self.pool.run(units, work, what=what)
        except CredentialsExhausted as exc:
            unread(exc.pending)
            raise CredentialsExhausted(str(exc), exc.pending, partial=result) from exc

    # ------------------------------------------------------------------ group.getInfo
    def get_groups(self, group_ids: Sequence[int]) -> GroupsResult:
        """Groups (attributes, members) for ``group_ids``, 100 per request.

        :raises CredentialsExhausted: every token stopped; ``.partial`` holds the result so far
            (groups not read are skipped with ``no credentials left``).
        """
        result, lock = GroupsResult(), threading.Lock()

        def work(slot: _Slot, unit: tuple[int, ...]):
            try:
                params = {"uids": ",".join(map(str, unit)), "fields": op.GROUP_FIELDS}
                groups = op.groups_of(self.call(slot, "group.getInfo", params))
            except PageSkipped as exc:
                if len(unit) > 1:  # one bad id fails the whole batch: halve until it is alone
                    return [unit[: len(unit) // 2], unit[len(unit) // 2 :]]
                with lock:
                    result.skipped[unit[0]] = skip_for(exc)
                return None
            except RetryableError as exc:
                with lock:
                    result.skipped.update({g: Skip.retries_exhausted(exc.message) for g in unit})
                return None
            found = op.match_groups(unit, groups)
            with lock:
                result.groups.update(found)
                result.skipped.update({g: NOT_RETURNED_SKIP for g in unit if g not in found})
            return None

        def unread(pending):
            result.skipped.update({g: NO_CREDENTIALS_SKIP for unit in pending for g in unit})

        ids = list(dict.fromkeys(int(g) for g in group_ids))
        self._run(op.chunks(ids, op.GET_INFO_BATCH), work, "group.getInfo", result, unread)
        return result

    # ------------------------------------------------------------------ url.getInfo
    def resolve_names(self, names: Sequence[str]) -> NamesResult:
        """Group ids of OK short names (``ok.ru/<name>``), one ``url.getInfo`` each.

        :raises CredentialsExhausted: every token stopped; ``.partial`` holds the names resolved.
        """
        result, lock = NamesResult(), threading.Lock()

        def work(slot: _Slot, name: str):
            try:
                response = self.call(slot, "url.getInfo", {"url": f"https://ok.ru/{name}"})
            except PageSkipped as exc:
                with lock:
                    result.skipped[name] = skip_for(exc)
                return None
            except RetryableError as exc:
                with lock:
                    result.skipped[name] = Skip.retries_exhausted(exc.message)
                return None
            group_id = op.group_id_of_url(response)
            with lock:
                if group_id is None:
                    result.skipped[name] = NOT_A_GROUP_SKIP
                else:
                    result.ids[name] = group_id
            return None

        def unread(pending):
            result.skipped.update({name: NO_CREDENTIALS_SKIP for name in pending})

        self._run(list(dict.fromkeys(names)), work, "url.getInfo", result, unread)
        return result

    # ------------------------------------------------------------------ mediatopic.getTopics
    def get_topics(self, group_ids: Sequence[int], since: datetime, until: datetime) -> TopicsResult:
        """Topics published from ``since`` on by the groups ``group_ids``.

        ``until`` (the end of the snapshot day) is not a filter here: newer topics, and topics read
        twice, reach the landing, which quarantines them with their reason (``warehouse/quarantine.py``).

        One request per group; a further page only while the last one still reached into the
        window and the API has more.

        :raises CredentialsExhausted: every token stopped; ``.partial`` holds the topics read
            (groups not fully read are skipped with ``no credentials left``).
        """
        result, lock = TopicsResult(), threading.Lock()
        since_ms = int(since.timestamp() * 1000)

        def work(slot: _Slot, task: TopicTask):
            params: dict = {"gid": task.group_id, "count": self.topics_count, "fields": op.TOPIC_FIELDS}
            if task.anchor is not None:
                params.update(anchor=task.anchor, direction="FORWARD")
            try:
                topics, anchor = op.window_topics(self.call(slot, "mediatopic.getTopics", params), since_ms)
            except CredentialStopped:
                raise  # the pool re-queues the task for another token
            except PageSkipped as exc:
                if isinstance(exc, BadPayload):
                    self.errors.add(exc.action, exc.code)
                with lock:
                    result.skipped[task.group_id] = skip_for(exc)
                return None
            except RetryableError as exc:
                with lock:
                    result.skipped[task.group_id] = Skip.retries_exhausted(exc.message)
                return None
            with lock:
                if task.group_id in result.skipped:  # an earlier page of its topics was refused
                    return None
                result.pages[task.group_id] += 1
                result.posts.setdefault(task.group_id, []).extend(t for t in topics if "id" in t)
            return [TopicTask(task.group_id, anchor)] if anchor else None

        def unread(pending):
            result.skipped.update({t.group_id: NO_CREDENTIALS_SKIP for t in pending})

        tasks = [TopicTask(g) for g in dict.fromkeys(int(g) for g in group_ids)]
        self._run(tasks, work, "mediatopic.getTopics", result, unread)
        return result
