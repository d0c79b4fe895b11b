"""OK protocol helpers: the md5 request signature against a worked example computed by hand, the
error classification table, and the response shapes (getInfo array/object, url.getInfo, topics)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
import requests

from gospubliki.clients import ok_protocol as op
from gospubliki.clients.errors import Action, CredentialStopped, PageSkipped, RetryableError

APP_KEY = "CBAJKLMNOPQRSTUVW"
APP_SECRET = "0A1B2C3D4E5F60718293A4B5"
TOKEN = "tkn1Ab2Cd3Ef4"


def test_signature_worked_example():
    """social-apis.md §3.2, step by step on literal strings (values computed once by hand)."""
    # 1. secret = md5(access_token + application_secret_key), lowercase hex
    secret = hashlib.md5(b"tkn1Ab2Cd3Ef4" + b"0A1B2C3D4E5F60718293A4B5").hexdigest()
    assert secret == "55c67635334201cd7412ccae053ab627"
    # 2.-3. without access_token/sig, sorted by name, k=v with no separator (comma lists as sent)
    joined = (
        "application_key=CBAJKLMNOPQRSTUVW"
        "fields=uid,name,members_count"
        "format=json"
        "method=group.getInfo"
        "uids=57123456789012,57123456789013"
    )
    # 4. sig = md5(joined + secret)
    sig = hashlib.md5((joined + secret).encode()).hexdigest()
    assert sig == "8ea744f98e8d900541cbef6419ee62cb"

    params = {
        "uids": "57123456789012,57123456789013",
        "method": "group.getInfo",
        "access_token": TOKEN,  # never signed
        "format": "json",
        "fields": "uid,name,members_count",
        "application_key": APP_KEY,
        "sig": "whatever was there before",  # never signed
    }
    assert op.signature(params, TOKEN, APP_SECRET) == "8ea744f98e8d900541cbef6419ee62cb"


def test_signed_params_are_the_form_to_post():
    form = op.signed_params(
        "group.getInfo",
        {"uids": "57123456789012,57123456789013", "fields": "uid,name,members_count"},
        application_key=APP_KEY,
        access_token=TOKEN,
        secret_key=APP_SECRET,
    )
    assert form == {
        "uids": "57123456789012,57123456789013",
        "fields": "uid,name,members_count",
        "application_key": APP_KEY,
        "format": "json",
        "method": "group.getInfo",
        "sig": "8ea744f98e8d900541cbef6419ee62cb",
        "access_token": TOKEN,
    }
    assert APP_SECRET not in form.values()  # the secret signs, it is never sent


def test_signature_of_non_ascii_values_is_over_utf8():
    form = op.signed_params(
        "url.getInfo",
        {"url": "https://ok.ru/адм_кирова"},
        application_key=APP_KEY,
        access_token=TOKEN,
        secret_key=APP_SECRET,
    )
    assert form["sig"] == "50c919cfb40b4d5dbef64b37d952e03f"


def test_signature_changes_with_any_signed_part():
    base = {"application_key": APP_KEY, "method": "group.getInfo", "uids": "1,2"}
    sig = op.signature(base, TOKEN, APP_SECRET)
    assert op.signature({**base, "uids": "2,1"}, TOKEN, APP_SECRET) != sig
    assert op.signature(base, TOKEN + "x", APP_SECRET) != sig
    assert op.signature(base, TOKEN, APP_SECRET + "x") != sig
    assert op.signature({**base, "session_key": "s"}, TOKEN, APP_SECRET) == sig


@pytest.mark.parametrize(
    "code, action",
    [
        (2, Action.RETRY),
        (9999, Action.RETRY),
        (160, Action.SKIP_PAGE),
        (300, Action.SKIP_PAGE),
        (456, Action.SKIP_PAGE),
        (8, Action.STOP_CREDENTIAL),
        (11, Action.STOP_CREDENTIAL),
        (102, Action.STOP_CREDENTIAL),
        (103, Action.STOP_CREDENTIAL),
        (104, Action.STOP_CREDENTIAL),
        (3, Action.FAIL),  # method does not exist: global
        (101, Action.FAIL),  # bad application key: global
        (453, Action.FAIL),  # session required: global
        # any code the client does not list costs the group it answered, never the day (issue 7)
        (1, Action.SKIP_PAGE),
        (100, Action.SKIP_PAGE),
        (5000, Action.SKIP_PAGE),
    ],
)
def test_error_code_classification(code, action):
    assert op.classify(code) is action


def _http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"HTTP {status}", response=response)


@pytest.mark.parametrize(
    "exc, action",
    [
        (requests.ReadTimeout("read timed out"), Action.RETRY),
        (requests.ConnectTimeout("connect timed out"), Action.RETRY),
        (requests.ConnectionError("reset"), Action.RETRY),
        (_http_error(500), Action.RETRY),
        (_http_error(503), Action.RETRY),
        (_http_error(429), Action.RETRY),
        (_http_error(404), Action.FAIL),
        (_http_error(403), Action.FAIL),
        (ValueError("boom"), Action.FAIL),
        (True, Action.FAIL),
    ],
)
def test_exception_classification(exc, action):
    assert op.classify(exc) is action


@pytest.mark.parametrize(
    "code, cls, status",
    [(2, RetryableError, "error"), (456, PageSkipped, "private"), (104, CredentialStopped, "error")],
)
def test_api_failures_are_the_classified_exceptions(code, cls, status):
    failure = op.api_failure("group.getInfo", code, "MESSAGE : text")
    assert isinstance(failure, cls) and failure.network == "ok" and failure.code == code
    assert failure.message.startswith("group.getInfo: MESSAGE : text")
    assert op.skip_status(code) == status


def test_bad_signature_failure_says_what_to_check():
    failure = op.api_failure("group.getInfo", 104, "PARAM_SIGNATURE : Invalid signature")
    assert "application secret key" in str(failure) and "104" in str(failure)


def test_error_in_a_200_body():
    assert op.error_in({"error_code": 104, "error_msg": "PARAM_SIGNATURE", "error_data": None}) == (
        104,
        "PARAM_SIGNATURE",
    )
    assert op.error_in({"error_code": "456", "error_msg": None}) == (456, "")
    assert op.error_in([{"uid": "1"}]) is None
    assert op.error_in({"groups": []}) is None


def test_getinfo_accepts_a_bare_array_and_an_object():
    groups = [{"uid": "57000000000001", "name": "a"}, {"uid": "57000000000002", "name": "b"}, "junk"]
    assert op.groups_of(groups) == groups[:2]
    assert op.groups_of({"groups": groups}) == groups[:2]
    assert op.groups_of({}) == [] and op.groups_of(None) == []
    matched = op.match_groups([57000000000002, 57000000000003], op.groups_of({"groups": groups}))
    assert matched == {57000000000002: groups[1]}


def test_url_getinfo_group_id():
    assert op.group_id_of_url({"type": "GROUP", "objectId": 57123456789012}) == 57123456789012
    assert op.group_id_of_url({"type": "GROUP", "objectIdStr": "57123456789012"}) == 57123456789012
    assert op.group_id_of_url({"type": "USER", "objectId": 5}) is None
    assert op.group_id_of_url({"type": "GROUP"}) is None


def _topics(*ms: int, has_more: bool = True) -> dict:
    return {
        "media_topics": [{"id": str(i), "created_ms": m} for i, m in enumerate(ms)],
        "anchor": "next" if has_more else None,
        "has_more": has_more,
    }


@pytest.mark.parametrize(
    "response, kept, anchor",
    [
        (_topics(900, 800, 700), ["0", "1", "2"], "next"),  # all in the window: read on
        (_topics(900, 800, 700, has_more=False), ["0", "1", "2"], None),  # nothing more
        (_topics(900, 650), ["0"], None),  # reached past the window start
        (_topics(1000, 900), ["0", "1"], "next"),  # 1000, after the snapshot day, is kept for the quarantine
        (_topics(), [], None),
        ({"media_topics": [{"id": "x"}], "has_more": True, "anchor": "a"}, [], None),
    ],
)
def test_window_topics_and_next_page(response, kept, anchor):
    topics, next_anchor = op.window_topics(response, 700)
    assert [t["id"] for t in topics] == kept
    assert next_anchor == anchor


def test_topic_text_time_and_counters():
    topic = {
        "id": "154",
        "created_ms": 1_772_187_158_000,
        "media": [{"type": "photo"}, {"type": "text", "text": "Первый"}, {"type": "text", "text": "второй"}],
        "like_summary": {"count": 7},
        "discussion_summary": {"comments_count": 2},
    }
    assert op.topic_text(topic) == "Первый\n\nвторой"
    assert op.topic_time(topic) == datetime(2026, 2, 27, 10, 12, 38, tzinfo=UTC)
    assert op.summary_count(topic, "like_summary") == 7
    assert op.summary_count(topic, "discussion_summary", "comments_count") == 2
    assert op.summary_count(topic, "reshare_summary") is None
    assert op.topic_text({"media": []}) is None


def test_chunks_of_100():
    ids = list(range(250))
    assert [len(c) for c in op.chunks(ids, op.GET_INFO_BATCH)] == [100, 100, 50]
