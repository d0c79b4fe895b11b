"""The rewriting adapter over real HTTP: base URL rewrite, timeout, request counting."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jconfig
import pytest
import requests
import vk_api

from gospubliki.clients.http import RequestCounter, RewritingAdapter, method_of, rewriting_session


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if "slow" in self.path:
            time.sleep(1.0)
        payload = json.dumps({"response": {"path": self.path, "body": body}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rewrite_only_the_real_prefix():
    adapter = RewritingAdapter("https://api.vk.ru", "http://127.0.0.1:9/asof/2026-03-01/", timeout=1)
    assert (
        adapter.rewrite("https://api.vk.ru/method/wall.get")
        == "http://127.0.0.1:9/asof/2026-03-01/method/wall.get"
    )
    assert adapter.rewrite("https://example.org/method/wall.get") == "https://example.org/method/wall.get"


def test_method_of():
    assert method_of("http://h/asof/2026-01-01/method/groups.getById?x=1") == "groups.getById"


def test_vk_api_requests_reach_the_base_url_and_are_counted(echo_url):
    counter = RequestCounter()
    session = rewriting_session(
        "https://api.vk.ru", echo_url + "/asof/2026-03-01", timeout=5, counter=counter
    )
    vk = vk_api.VkApi(token="t-123", api_version="5.199", session=session, config=jconfig.MemoryConfig)
    vk.RPS_DELAY = 0
    first = vk.method("groups.getById", {"group_ids": "1,2"})
    vk.method("execute", {"code": "return 1;"})
    vk.method("execute", {"code": "return 2;"})
    assert first["path"] == "/asof/2026-03-01/method/groups.getById"
    assert "v=5.199" in first["body"] and "group_ids=1%2C2" in first["body"]
    assert counter.snapshot() == {"total": 3, "by_method": {"execute": 2, "groups.getById": 1}}


def test_timeout_applies_when_the_library_sets_none(echo_url):
    session = rewriting_session("https://api.vk.ru", echo_url, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        session.post("https://api.vk.ru/method/slow", data={})
    assert time.monotonic() - started < 0.9
    # an explicit timeout of the caller wins over the adapter's default
    assert session.post("https://api.vk.ru/method/slow", data={}, timeout=5).ok
