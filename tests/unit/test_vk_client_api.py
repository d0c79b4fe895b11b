"""VkClient over real vk_api and real HTTP against a tiny scripted server (edge cases the
simulator need not produce: unbounded vk_api retries, a captcha without captcha fields)."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from gospubliki.clients.errors import NoCredentialsLeft, RetryableError
from gospubliki.clients.vk import VkClient


class Scripted(ThreadingHTTPServer):
    """Answers ``/method/<name>`` with ``script(method, form) -> dict``; counts requests by token."""

    def __init__(self, script):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.by_token: Counter = Counter()
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        form = {
            k: v[0]
            for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()
        }
        with self.server.lock:
            self.server.by_token[form.get("access_token")] += 1
        body = json.dumps(self.server.script(self.path.rsplit("/", 1)[-1], form)).encode()
        self.send_response(200)
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


def _error(code, msg="error"):
    return {"error": {"error_code": code, "error_msg": msg, "request_params": []}}


def _client(server, tokens, **kw) -> VkClient:
    return VkClient(
        tokens, base_url=server.url, rps=0, retries=3, retry_wait=0.001, max_retry_wait=0.01, **kw
    )


def test_error_6_is_retried_a_bounded_number_of_times(serve):
    server = serve(lambda method, form: _error(6, "Too many requests per second"))
    client = _client(server, ["tok-a"])
    with pytest.raises(RetryableError):
        client.call(client.pool.slots[0], "groups.getById", {"group_ids": "1"})
    assert server.by_token["tok-a"] == 3  # vk_api alone would retry forever
    assert client.requests.total == 3 and client.errors.snapshot()["by_code"] == {"6": 3}


def test_error_6_burst_then_success(serve):
    calls = Counter()

    def script(method, form):
        calls[method] += 1
        if calls[method] <= 2:
            return _error(6)
        return {"response": {"groups": [{"id": 1, "screen_name": "one", "members_count": 5}], "profiles": []}}

    client = _client(serve(script), ["tok-a"])
    result = client.get_groups(["1"])
    assert result.groups["1"]["members_count"] == 5 and not result.skipped


def test_captcha_without_captcha_fields_stops_the_token_and_the_other_one_continues(serve):
    def script(method, form):
        if form["access_token"] == "tok-bad":
            return _error(14, "Captcha needed")
        ids = form["group_ids"].split(",")
        return {
            "response": {"groups": [{"id": int(i), "screen_name": f"club{i}"} for i in ids], "profiles": []}
        }

    server = serve(script)
    client = _client(server, ["tok-bad", "tok-good"], parallel=2)
    result = client.get_groups([str(i) for i in range(1, 1201)])  # 3 getById batches
    assert len(result.groups) == 1200 and not result.skipped
    assert list(client.stopped_tokens) == ["token#1"] and "14" in client.stopped_tokens["token#1"]
    assert server.by_token["tok-bad"] >= 1 and server.by_token["tok-good"] >= 3


def test_one_bad_ref_is_isolated_by_halving_and_the_rest_is_read(serve):
    def script(method, form):
        ids = form["group_ids"].split(",")
        if "bad_name" in ids:
            return _error(100, "One of the parameters specified was missing or invalid: group_ids")
        return {"response": {"groups": [{"id": int(i)} for i in ids], "profiles": []}}

    server = serve(script)
    client = _client(server, ["tok-a"])
    refs = [str(i) for i in range(1, 8)] + ["bad_name"]
    result = client.get_groups(refs)
    assert sorted(result.groups, key=int) == refs[:-1]
    assert result.skipped["bad_name"].status == "not_found" and result.skipped["bad_name"].kind == "error_100"
    assert client.requests.total <= 1 + 2 * 3  # halving: at most two requests per level of log2(8)


def test_all_tokens_revoked_keeps_what_was_read(serve):
    def script(method, form):
        if method == "execute":
            return _error(5, "User authorization failed: access_token was given to another ip address")
        ids = form["group_ids"].split(",")
        return {"response": {"groups": [{"id": int(i)} for i in ids], "profiles": []}}

    client = _client(serve(script), ["tok-a", "tok-b"], parallel=2)
    groups = client.get_groups(["1", "2"])
    with pytest.raises(NoCredentialsLeft) as info:
        client.get_walls([1, 2], since=_ts(0), until=_ts(1))
    partial = info.value.partial
    assert {g: s.kind for g, s in partial.skipped.items()} == {
        1: "no_credentials_left",
        2: "no_credentials_left",
    }
    assert set(groups.groups) == {"1", "2"} and set(client.stopped_tokens) == {"token#1", "token#2"}


def _ts(day: int) -> datetime:
    return datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=day)


_CALL = re.compile(r'"owner_id": -(\d+), "count": (\d+), "offset": (\d+)')


def _walls_script(posts_of, fail=lambda token, owner, position: None):
    """An execute handler over ``posts_of(owner) -> list of posts`` (newest first, as VK)."""
    served = []

    def script(method, form):
        response, errors = [], []
        for position, m in enumerate(_CALL.finditer(form["code"])):
            owner, count, offset = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if (code := fail(form["access_token"], owner, position)) is not None:
                response.append(False)
                errors.append({"method": "wall.get", "error_code": code, "error_msg": "Rate limit reached"})
                continue
            items = posts_of(owner)
            served.append((form["access_token"], owner, offset))
            response.append({"count": len(items), "items": items[offset : offset + count]})
        return {"response": response, **({"execute_errors": errors} if errors else {})}

    return script, served


def test_long_walls_get_further_pages_in_later_batches_and_old_pinned_posts_are_dropped(serve):
    since, until = _ts(0), _ts(7)
    end = int(until.timestamp())

    def posts_of(owner):
        n = {1: 250, 2: 120}.get(owner, 3)
        items = [{"id": 1000 - i, "date": end - 600 * (i + 1)} for i in range(n)]
        if owner == 2:  # a pinned post from long ago comes first
            items.insert(0, {"id": 1, "date": end - 400 * 86400, "is_pinned": 1})
        return items

    script, served = _walls_script(posts_of)
    client = _client(serve(script), ["tok-a"])
    result = client.get_walls(list(range(1, 31)), since, until)
    assert {g: len(p) for g, p in result.posts.items() if g <= 3} == {1: 250, 2: 120, 3: 3}
    assert 1 not in [p["id"] for p in result.posts[2]]  # the old pinned post is not a post of the window
    # 2 executes for 30 first pages of 10 posts, then one for the 2 long walls' pages from 10, one
    # for their pages from 110, one for wall 1's last page (from 210)
    assert client.requests.snapshot()["by_method"] == {"execute": 5}
    # the wall.get quota counts the calls inside execute: 30 first pages + 5 further pages
    assert client.inner_calls.snapshot() == {"total": 35, "by_method": {"wall.get": 35}}
    assert sorted((o, off) for _, o, off in served if off) == [(1, 10), (1, 110), (1, 210), (2, 10), (2, 110)]


def test_a_quota_error_inside_execute_requeues_only_the_failed_calls(serve):
    def fail(token, owner, position):
        return 29 if token == "tok-a" and position % 2 else None

    script, served = _walls_script(lambda owner: [{"id": owner, "date": int(_ts(1).timestamp())}], fail)
    client = _client(serve(script), ["tok-a", "tok-b"], parallel=1)
    result = client.get_walls(list(range(1, 26)), _ts(0), _ts(7))
    assert sorted(result.posts) == list(range(1, 26)) and not result.skipped
    assert sorted(owner for _, owner, _ in served) == list(range(1, 26))  # each wall read exactly once
    assert {owner for token, owner, _ in served if token == "tok-b"} == set(range(2, 26, 2))
    assert list(client.stopped_tokens) == ["token#1"] and "29" in client.stopped_tokens["token#1"]
    # sent: tok-a's execute of 25 calls, then tok-b's of the 12 requeued ones
    assert client.inner_calls.snapshot()["by_method"] == {"wall.get": 37}
