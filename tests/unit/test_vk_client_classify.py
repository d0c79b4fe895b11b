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
        (1, Action.FAIL),
        (12, Action.FAIL),
        (13, Action.FAIL),
        (210, Action.FAIL),
    ],
)
def test_codes(code, action):
    assert classify(code) is action


def test_deactivated_is_skipped_and_other_strings_fail():
    assert classify("deactivated") is Action.SKIP_PAGE
    assert classify("something else") is Action.FAIL
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
    unknown = to_failure(_api_error(1), "execute")
    assert unknown.action is Action.FAIL and not isinstance(
        unknown, (RetryableError, PageSkipped, CredentialStopped)
    )


def test_skip_status():
    assert skip_status(15) == "private"
    assert skip_status(18) == "deactivated"
    assert skip_status(125) == "not_found"
    assert skip_status(None) == "error"
