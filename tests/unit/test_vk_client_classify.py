"""One VK error classification: codes, vk_api exceptions, HTTP statuses, transport errors."""

from __future__ import annotations

import pytest
import requests
from vk_api.exceptions import ApiError, ApiHttpError, Captcha

from gospubliki.clients.errors import Action, CredentialStopped, PageSkipped, RetryableError
from gospubliki.clients.vk_batches import classify, skip_status, to_failure


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (6, Action.RETRY),
        (9, Action.RETRY),
        (10, Action.RETRY),
        (15, Action.SKIP_PAGE),
        (18, Action.SKIP_PAGE),
        (30, Action.SKIP_PAGE),
        (100, Action.SKIP_PAGE),
        (113, Action.SKIP_PAGE),
        (125, Action.SKIP_PAGE),
        (203, Action.SKIP_PAGE),
        (5, Action.STOP_CREDENTIAL),
        (14, Action.STOP_CREDENTIAL),
        (17, Action.STOP_CREDENTIAL),
        (29, Action.STOP_CREDENTIAL),
        (1, Action.RETRY),  # "Unknown error occurred, try later"
        (3, Action.FAIL),  # unknown method: global
        (12, Action.FAIL),  # execute compile error: global
        (28, Action.FAIL),  # application authorisation failed: global
        # every code the client does not list costs the page, never the day (issue 7)
        (13, Action.SKIP_PAGE),
        (19, Action.SKIP_PAGE),  # content blocked
        (210, Action.SKIP_PAGE),
        (9999, Action.SKIP_PAGE),
    ],
)
def test_codes(code, action):
    assert classify(code) is action


def test_deactivated_and_unknown_labels_are_skipped_codes_as_strings_are_codes():
    assert classify("deactivated") is Action.SKIP_PAGE
    assert classify("something else") is Action.SKIP_PAGE
    assert classify("29") is Action.STOP_CREDENTIAL
    assert classify(True) is Action.FAIL  # a bool is not an error code


def _api_error(code: int, msg: str = "boom") -> ApiError:
    return ApiError(
        None, "wall.get", {"access_token": "secret-token"}, False, {"error_code": code, "error_msg": msg}
    )


def _http_error(status: int) -> ApiHttpError:
    response = requests.Response()
    response.status_code = status
    return ApiHttpError(None, "groups.getById", {}, False, response)


def test_vk_api_exceptions():
    assert classify(_api_error(29)) is Action.STOP_CREDENTIAL
    assert classify(_api_error(15)) is Action.SKIP_PAGE
    assert classify(Captcha(None, "sid", None)) is Action.STOP_CREDENTIAL
    assert classify(_http_error(502)) is Action.RETRY
    assert classify(_http_error(429)) is Action.RETRY
    assert classify(_http_error(404)) is Action.FAIL


def test_transport_errors():
    assert classify(requests.ReadTimeout()) is Action.RETRY
    assert classify(requests.ConnectTimeout()) is Action.RETRY
    assert classify(requests.ConnectionError()) is Action.RETRY
    assert classify(requests.exceptions.ChunkedEncodingError()) is Action.RETRY
    assert classify(KeyError("x")) is Action.FAIL


def test_to_failure_types_codes_and_no_secret():
    failure = to_failure(_api_error(5, "User authorization failed: invalid access_token"), "wall.get")
    assert isinstance(failure, CredentialStopped) and failure.code == 5
    assert "secret-token" not in str(failure)
    assert isinstance(to_failure(_api_error(18), "wall.get"), PageSkipped)
    http = to_failure(_http_error(503), "execute")
    assert isinstance(http, RetryableError) and http.code == "http 503"
    global_error = to_failure(_api_error(3), "execute")
    assert global_error.action is Action.FAIL and not isinstance(
        global_error, (RetryableError, PageSkipped, CredentialStopped)
    )
    unknown = to_failure(_api_error(19, "Content blocked"), "wall.get")
    assert isinstance(unknown, PageSkipped) and (unknown.code, unknown.message) == (19, "wall.get: Content blocked")


def test_skip_status():
    assert skip_status(15) == "private"
    assert skip_status(18) == "deactivated"
    assert skip_status(125) == "not_found"
    assert skip_status(None) == "error"
