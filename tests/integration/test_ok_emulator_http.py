"""The OK emulator over HTTP next to VK: ``/fb.do`` and ``/api/<group>/<method>`` (also under
``/asof/YYYY-MM-DD``), its counters under ``"ok"`` in ``/_sim/stats``, and ``/_sim/reset``."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from gospubliki.clients.ok_protocol import signature, signed_params
from gospubliki.simulator.config import DEFAULT_OK_APP_KEY, DEFAULT_OK_APP_SECRET
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.world import build_world

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 1)


@pytest.fixture(scope="module")
def sim():
    world = build_world(Scale.from_name("region"), seed=3)
    with start_in_thread(world) as handle:
        handle.world = world
        yield handle


def form(method: str, params: dict, token: str = "sim-ok-1") -> dict:
    return signed_params(
        method,
        params,
        application_key=DEFAULT_OK_APP_KEY,
        access_token=token,
        secret_key=DEFAULT_OK_APP_SECRET,
    )


def test_fb_do_and_api_paths_as_of_a_day(sim):
    sim.reset_stats()
    page = next(p for p in sim.world.pages_on("ok") if p.state == "active")
    members = sim.world.members_on(page, DAY)
    params = {"uids": str(page.page_id), "fields": "uid,members_count"}
    r = requests.post(f"{sim.url_for_day(DAY)}/fb.do", data=form("group.getInfo", params), timeout=5)
    assert (r.status_code, r.json()) == (200, [{"uid": str(page.page_id), "members_count": members}])
    api = {**params, "application_key": DEFAULT_OK_APP_KEY, "format": "json"}
    api |= {"sig": signature(api, "sim-ok-2", DEFAULT_OK_APP_SECRET), "access_token": "sim-ok-2"}
    r = requests.get(f"{sim.url_for_day(DAY)}/api/group/getInfo", params=api, timeout=5)
    assert r.json() == [{"uid": str(page.page_id), "members_count": members}]
    r = requests.post(f"{sim.base_url}/fb.do", data=form("group.getInfo", params), timeout=5)  # today
    assert r.json()[0]["uid"] == str(page.page_id)
    bad = form("group.getInfo", params) | {"uids": "1"}
    assert requests.post(f"{sim.base_url}/fb.do", data=bad, timeout=5).json()["error_code"] == 104

    stats = requests.get(f"{sim.base_url}/_sim/stats", timeout=5).json()
    assert stats["ok"]["requests_by_method"] == {"group.getInfo": 4}
    assert stats["ok"]["requests_by_token"] == {"sim-ok-1": 3, "sim-ok-2": 1}
    assert stats["ok"]["errors_by_code"] == {"104": 1}
    assert stats["http_requests"] == 0  # VK counters untouched by OK requests
    assert sim.stats() == stats
    assert requests.post(f"{sim.base_url}/_sim/reset", timeout=5).json() == {"ok": True}
    assert sim.stats()["ok"]["http_requests"] == 0


def test_vk_paths_still_answer_next_to_ok(sim):
    r = requests.post(f"{sim.url_for_day(DAY)}/method/groups.getById", data={"access_token": "x"}, timeout=5)
    assert r.json()["error"]["error_code"] == 5  # VK's own error format, from the VK emulator
    assert requests.get(f"{sim.base_url}/asof/2026-13-01/fb.do", timeout=5).status_code == 404
    assert requests.get(f"{sim.base_url}/api/group", timeout=5).status_code == 404


def test_http_503_fault(sim):
    sim.faults.ok_http_error_every = 1
    try:
        r = requests.post(f"{sim.base_url}/fb.do", data=form("url.getInfo", {"url": "ok.ru/x"}), timeout=5)
    finally:
        sim.faults.ok_http_error_every = None
    assert r.status_code == 503
