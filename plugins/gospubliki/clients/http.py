"""HTTP plumbing shared by the REST clients (VK now, OK later): base-URL rewrite, timeout, counting.

Client libraries such as ``vk_api`` hard-code the API host and set no timeout. Instead of patching
them, every client gets a :class:`requests.Session` with a :class:`RewritingAdapter` mounted on the
library's hard-coded prefix. The adapter

* rewrites that prefix to the configured base URL (the real API by default, the local simulator in
  tests and demos),
* applies a request timeout when the caller set none,
* counts the HTTP requests actually sent, per API method (the last path segment).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter


@dataclass
class RequestCounter:
    """Thread-safe count of HTTP requests sent, by API method."""

    by_method: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, method: str, n: int = 1) -> None:
        with self._lock:
            self.by_method[method] += n

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.by_method.values())

    def snapshot(self) -> dict:
        """``{"total": n, "by_method": {...}}`` (JSON-ready)."""
        with self._lock:
            return {"total": sum(self.by_method.values()), "by_method": dict(sorted(self.by_method.items()))}


def method_of(url: str) -> str:
    """API method name of a request URL: its last path segment without the query."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class RewritingAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that sends requests for ``real_prefix`` to ``base_url`` instead.

    :param real_prefix: the URL prefix the library uses, e.g. ``https://api.vk.ru``.
    :param base_url: where to send them, e.g. ``http://127.0.0.1:8080/asof/2026-03-01``.
    :param timeout: seconds (or a ``(connect, read)`` tuple) used when the caller passed none.
    :param counter: counts every request sent through this adapter.
    """

    def __init__(
        self,
        real_prefix: str,
        base_url: str,
        *,
        timeout: float | tuple[float, float],
        counter: RequestCounter | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.real_prefix = real_prefix.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.counter = counter

    def rewrite(self, url: str) -> str:
        """The URL to send: ``real_prefix`` replaced by ``base_url``; other URLs unchanged."""
        if url.startswith(self.real_prefix):
            return self.base_url + url[len(self.real_prefix) :]
        return url

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        request.url = self.rewrite(request.url)
        if self.counter is not None:
            self.counter.add(method_of(request.url))
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


def rewriting_session(
    real_prefix: str,
    base_url: str,
    *,
    timeout: float | tuple[float, float],
    counter: RequestCounter | None = None,
    user_agent: str = "gospubliki",
) -> requests.Session:
    """A session whose requests for ``real_prefix`` go to ``base_url`` with a timeout and counting.

    The adapter is mounted on ``real_prefix`` itself (requests picks adapters by the longest
    matching prefix of the original URL), so unrelated URLs keep the default adapters.
    """
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.mount(
        real_prefix.rstrip("/"), RewritingAdapter(real_prefix, base_url, timeout=timeout, counter=counter)
    )
    return session
