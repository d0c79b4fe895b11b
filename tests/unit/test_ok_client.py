"""OkClient over real HTTP against a tiny scripted server (cases the simulator need not produce:
one bad id failing a whole getInfo batch, a body that is not JSON, HTTP 404, a dead port)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from gospubliki.clients.errors import Action, ApiFailure
from gospubliki.clients.ok import OkClient
from gospubliki.clients.ok_protocol import signature

KEY, SECRET, TOKEN = "CBATESTKEY", "test-secret", "tok-1"


class Scripted(ThreadingHTTPServer):
    """Answers ``POST /fb.do`` with ``script(form) -> (status, body bytes)``; checks every signature."""

    def __init__(self, script):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.calls: list[dict] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        form = {
            k: v[0]
            for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()
        }
        assert self.path == "/fb.do"
        assert form["sig"] == signature(form, form["access_token"], SECRET)
        with self.server.lock:
            self.server.calls.append(form)
        status, body = self.server.script(form)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(script) -> Scripted:
        server = Scripted(script)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        server.url = f"http://127.0.0.1:{server.server_address[1]}"
        return server

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def client(url: str, **kw) -> OkClient:
    return OkClient(KEY, SECRET, [TOKEN], base_url=url, rps=0, retry_wait=0.01, **kw)


def _json(body) -> tuple[int, bytes]:
    return 200, json.dumps(body).encode()


def test_one_bad_id_in_a_batch_is_isolated_by_halving(serve):
    bad = 1013

    def script(form):
        uids = [int(u) for u in form["uids"].split(",")]
        if bad in uids:
            return _json(
                {"error_code": 160, "error_msg": "PARAM_GROUP_ID : Invalid group id", "error_data": None}
            )
        return _json([{"uid": str(u), "members_count": u} for u in uids if u != 1007])  # 1007 not returned

    server = serve(script)
    c = client(server.url)
    result = c.get_groups(list(range(1000, 1016)))
    assert set(result.groups) == set(range(1000, 1016)) - {bad, 1007}
    assert result.groups[1003]["members_count"] == 1003
    assert (result.skipped[bad].status, result.skipped[bad].kind) == ("not_found", "error_160")
    assert result.skipped[1007].status == "not_found"
    # 16 -> 8+8 -> 4+4 -> 2+2 -> 1+1: one request per halving level plus the clean halves
    assert len(server.calls) == 1 + 2 + 2 + 2 + 2
    assert c.requests.snapshot() == {"total": 9, "by_method": {"group.getInfo": 9}}
    assert c.errors.snapshot()["by_code"] == {"160": 5}


def test_a_body_that_is_not_json_fails_loudly(serve):
    server = serve(lambda form: (200, b"<html>maintenance</html>"))
    with pytest.raises(ApiFailure) as caught:
        client(server.url).get_groups([1])
    assert caught.value.action is Action.FAIL and "not JSON" in str(caught.value)
    assert len(server.calls) == 1  # not retried


def test_http_404_fails_and_http_503_is_retried(serve):
    answers = iter([(503, b"{}"), (503, b"{}"), _json([{"uid": "5"}])])
    server = serve(lambda form: next(answers))
    assert set(client(server.url).get_groups([5]).groups) == {5}
    assert len(server.calls) == 3

    server = serve(lambda form: (404, b"{}"))
    with pytest.raises(ApiFailure, match="HTTP 404"):
        client(server.url).get_groups([5])


def test_connection_errors_are_retried_then_the_page_is_skipped():
    c = client("http://127.0.0.1:9", retries=3)  # nothing listens on port 9
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
    result = c.get_topics([77], since, until)
    assert result.skipped[77].kind == "retries_exhausted"
    assert c.requests.total == 3 and c.errors.snapshot()["by_class"] == {"retry": 3}


def test_topics_follow_the_anchor_only_while_the_window_needs_it(serve):
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
    inside = int(since.timestamp() * 1000) + 3_600_000
    pages = {
        None: {
            "media_topics": [{"id": "3", "created_ms": inside + 2}, {"id": "2", "created_ms": inside + 1}],
            "anchor": "A1",
            "has_more": True,
        },
        "A1": {
            "media_topics": [
                {"id": "1", "created_ms": inside},
                {"id": "0", "created_ms": inside - 7_200_000},
            ],
            "anchor": "A2",
            "has_more": True,
        },
    }

    def script(form):
        assert form["count"] == "2" and ("anchor" not in form or form["direction"] == "FORWARD")
        return _json(pages[form.get("anchor")])

    server = serve(script)
    result = client(server.url, topics_count=2).get_topics([9], since, until)
    assert sorted(int(t["id"]) for t in result.posts[9]) == [1, 2, 3]  # topic 0 is older than the window
    assert [c.get("anchor") for c in server.calls] == [None, "A1"]  # A2 is never asked for
    assert result.pages[9] == 2


def test_each_token_is_paced_at_rps(serve):
    server = serve(lambda form: _json({"type": "GROUP", "objectId": 1}))
    c = OkClient(KEY, SECRET, [TOKEN], base_url=server.url, rps=10)
    started = time.monotonic()
    result = c.resolve_names([f"name{i}" for i in range(6)])
    assert len(result.ids) == 6
    assert time.monotonic() - started >= 0.45  # 6 requests at 10 per second: 5 intervals
    assert Counter(call["url"] for call in server.calls) == Counter(
        f"https://ok.ru/name{i}" for i in range(6)
    )


def test_secrets_are_required_and_never_shown():
    with pytest.raises(ValueError, match="application key and application secret key"):
        OkClient(KEY, "", [TOKEN])
    c = OkClient(KEY, SECRET, [TOKEN])
    assert SECRET not in repr(c) and TOKEN not in repr(c)
