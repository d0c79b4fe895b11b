"""One classification of API errors for every network.

Each failure the clients see is mapped to an :class:`Action`:

* ``RETRY``           transient (rate limit per second, 5xx, timeouts): back off and try again;
* ``SKIP_PAGE``       the page cannot be read (deleted, private, invalid id, an answer of an
                      unexpected shape, **any error code the classification does not know**):
                      record it with the code and the message and go on with the other pages —
                      one page never takes down a network's day;
* ``STOP_CREDENTIAL`` the token/account is unusable for now (revoked, daily quota, flood block):
                      stop using it for this run and move its work to another credential;
* ``FAIL``            a *global* condition no other page or credential would escape (unknown
                      method, bad application key, HTTP 404 of the base URL): stop the load loudly.

Each network lists its retry / stop / global codes; every other code of a per-page request is a
skip (``Action.SKIP_PAGE``), never a failure of the day.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    RETRY = "retry"
    SKIP_PAGE = "skip_page"
    STOP_CREDENTIAL = "stop_credential"
    FAIL = "fail"


class ApiFailure(Exception):
    """A classified API error. ``code`` is the network's own error code (or an HTTP status)."""

    def __init__(self, network: str, code: int | str | None, message: str, action: Action, *, page_key: str | None = None):
        self.network = network
        self.code = code
        self.message = message
        self.action = Action(action)
        self.page_key = page_key
        where = f" [{page_key}]" if page_key else ""
        super().__init__(f"{network} error {code}: {message} -> {self.action.value}{where}")


class RetryableError(ApiFailure):
    def __init__(self, network, code, message, **kw):
        super().__init__(network, code, message, Action.RETRY, **kw)


class PageSkipped(ApiFailure):
    def __init__(self, network, code, message, **kw):
        super().__init__(network, code, message, Action.SKIP_PAGE, **kw)


BAD_PAYLOAD = "bad_payload"


class BadPayload(PageSkipped):
    """An answer for one page whose shape or values the warehouse cannot take (a post that is not
    an object, a counter that is not an integer, a value beyond ``bigint``): the page is skipped
    with ``code = 'bad_payload'`` and the message naming the field."""

    def __init__(self, network: str, message: str, **kw):
        super().__init__(network, BAD_PAYLOAD, message, **kw)


class CredentialStopped(ApiFailure):
    def __init__(self, network, code, message, **kw):
        super().__init__(network, code, message, Action.STOP_CREDENTIAL, **kw)


class NoCredentialsLeft(RuntimeError):
    """Every credential of a pool is stopped; the rest of the work cannot be done this run."""
