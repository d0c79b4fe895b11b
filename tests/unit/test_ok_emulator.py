"""The OK emulator without HTTP: authentication (key, token, signature), the call budget, the
getInfo shapes, deleted/blocked/restricted groups, topic paging and the end of the simulated day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gospubliki import dates
from gospubliki.clients.ok_protocol import signature, signed_params
from gospubliki.simulator.config import (
    DEFAULT_OK_APP_KEY,
    DEFAULT_OK_APP_SECRET,
    EmulatorConfig,
    Faults,
)
from gospubliki.simulator.ok_emulator import OkEmulator
from gospubliki.simulator.ok_objects import topic_id
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import build_world

DAY = date(2026, 3, 1)


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=7)


def call(
    emu, method, params, *, token="sim-ok-1", secret=DEFAULT_OK_APP_SECRET, day=DAY, app=DEFAULT_OK_APP_KEY
):
    form = signed_params(method, params, application_key=app, access_token=token, secret_key=secret)
    return emu.handle(None, form, day)


def by_state(world, state):
    return [p for p in world.pages_on("ok") if p.state == state]


def test_authentication_errors(world):
    emu = OkEmulator(world)
    gid = str(by_state(world, "active")[0].page_id)
    params = {"uids": gid, "fields": "uid,members_count"}
    assert call(emu, "group.getInfo", params)[0] == 200
    assert call(emu, "group.getInfo", params, secret="wrong")[1]["error_code"] == 104
    assert call(emu, "group.getInfo", params, token="sim-ok-9")[1]["error_code"] == 103
    assert call(emu, "group.getInfo", params, app="OTHER")[1]["error_code"] == 101
    tampered = signed_params(
        "group.getInfo",
        params,
        application_key=DEFAULT_OK_APP_KEY,
        access_token="sim-ok-1",
        secret_key=DEFAULT_OK_APP_SECRET,
    ) | {"uids": gid + ",1"}
    status, body = emu.handle(None, tampered, DAY)
    assert (status, body["error_code"], body["error_data"]) == (200, 104, None)
    assert "PARAM_SIGNATURE" in body["error_msg"]
    assert emu.stats.as_dict()["errors_by_code"] == {"104": 2, "103": 1, "101": 1}


def test_the_api_path_form_takes_the_method_from_the_path(world):
    """``/api/group/getInfo``: the method is not a parameter, so it is not signed either."""
    emu = OkEmulator(world)
    page = by_state(world, "active")[0]
    form = {
        "uids": str(page.page_id),
        "fields": "uid",
        "application_key": DEFAULT_OK_APP_KEY,
        "format": "json",
    }
    good = form | {"sig": signature(form, "sim-ok-1", DEFAULT_OK_APP_SECRET), "access_token": "sim-ok-1"}
    assert emu.handle("group.getInfo", good, DAY) == (200, [{"uid": str(page.page_id)}])
    with_method = form | {"method": "group.getInfo"}
    bad = form | {
        "sig": signature(with_method, "sim-ok-1", DEFAULT_OK_APP_SECRET),
        "access_token": "sim-ok-1",
    }
    assert emu.handle("group.getInfo", bad, DAY)[1]["error_code"] == 104


def test_daily_call_budget_per_token(world):
    emu = OkEmulator(world, EmulatorConfig(ok_daily_call_budget=3))
    params = {"uids": str(by_state(world, "active")[0].page_id), "fields": "uid"}
    codes = [call(emu, "group.getInfo", params)[1] for _ in range(4)]
    assert [c if isinstance(c, dict) and "error_code" in c else "ok" for c in codes][:3] == ["ok"] * 3
    assert codes[3]["error_code"] == 11
    assert isinstance(call(emu, "group.getInfo", params, token="sim-ok-2")[1], list)  # other token
    assert isinstance(call(emu, "group.getInfo", params, day=DAY + timedelta(days=1))[1], list)  # next day
    assert emu.stats.as_dict()["calls_used"]["sim-ok-1"] == {"2026-03-01": 3, "2026-03-02": 1}


@pytest.mark.parametrize("shape", ["array", "groups"])
def test_getinfo_shapes_and_states(world, shape):
    emu = OkEmulator(world, EmulatorConfig(ok_getinfo_shape=shape))
    pages = [
        *by_state(world, "active")[:3],
        *by_state(world, "deleted"),
        *by_state(world, "banned"),
        *by_state(world, "private"),
    ]
    uids = ",".join(str(p.page_id) for p in pages) + ",123"  # 123: no such group
    _, body = call(
        emu, "group.getInfo", {"uids": uids, "fields": "uid,name,members_count,blocked,access_type"}
    )
    groups = body["groups"] if shape == "groups" else body
    assert isinstance(body, dict if shape == "groups" else list)
    got = {int(g["uid"]): g for g in groups}
    assert set(got) == {p.page_id for p in pages if p.state != "deleted"}
    for p in pages:
        if p.state == "banned":
            assert got[p.page_id]["blocked"] is True and "members_count" not in got[p.page_id]
        elif p.state != "deleted":
            assert got[p.page_id]["members_count"] == world.members_on(p, DAY)
            assert got[p.page_id]["access_type"] == ("CLOSED" if p.state == "private" else "OPEN")
    assert set(got[pages[0].page_id]) == {"uid", "name", "members_count", "access_type"}  # as requested


def test_getinfo_limits(world):
    emu = OkEmulator(world)
    assert (
        call(emu, "group.getInfo", {"uids": ",".join(["1"] * 101), "fields": "uid"})[1]["error_code"] == 100
    )
    assert call(emu, "group.getInfo", {"uids": "1,abc", "fields": "uid"})[1]["error_code"] == 160
    assert call(emu, "group.unknown", {})[1]["error_code"] == 3


def test_url_getinfo(world):
    emu = OkEmulator(world)
    named = [p for p in world.pages_on("ok") if p.screen_name and p.state == "active"][0]
    assert call(emu, "url.getInfo", {"url": f"https://ok.ru/{named.screen_name.upper()}"})[1] == {
        "type": "GROUP",
        "objectId": named.page_id,
        "objectIdStr": str(named.page_id),
    }
    assert call(emu, "url.getInfo", {"url": f"ok.ru/group/{named.page_id}"})[1]["objectId"] == named.page_id
    deleted = by_state(world, "deleted")[0]
    assert call(emu, "url.getInfo", {"url": f"ok.ru/group/{deleted.page_id}"})[1]["error_code"] == 300
    assert call(emu, "url.getInfo", {"url": "https://vk.com/x"})[1]["error_code"] == 100


def test_topics_restricted_and_missing_groups(world):
    emu = OkEmulator(world)
    for state, code in (("deleted", 160), ("banned", 456), ("private", 456)):
        assert (
            call(emu, "mediatopic.getTopics", {"gid": by_state(world, state)[0].page_id})[1]["error_code"]
            == code
        )
    assert call(emu, "mediatopic.getTopics", {"gid": "x"})[1]["error_code"] == 160


def _busiest(world):
    since = DAY - timedelta(days=6)
    return max(by_state(world, "active"), key=lambda p: len(world.posts_between(p, since, DAY)))


def test_topic_paging_is_newest_first_and_ends_with_the_day(world):
    emu = OkEmulator(world)
    page = _busiest(world)
    seen, anchor = [], None
    while True:
        params = {"gid": page.page_id, "count": 3, "fields": "media_topic.CREATED_MS"}
        if anchor:
            params.update(anchor=anchor, direction="FORWARD")
        _, body = call(emu, "mediatopic.getTopics", params)
        assert len(body["media_topics"]) <= 3
        seen += body["media_topics"]
        if not body["has_more"] or len(seen) >= 12:
            break
        anchor = body["anchor"]
    times = [t["created_ms"] for t in seen]
    assert times == sorted(times, reverse=True) and len(set(times)) == len(times)
    assert max(times) < dates.window_end(DAY).timestamp() * 1000  # nothing after the simulated day
    newest = world.posts_between(page, DAY - timedelta(days=30), DAY)[-1]
    assert seen[0]["id"] == str(topic_id(page, newest))
    assert set(seen[0]) == {"id", "created_ms"}  # only the fields asked for
    # the next day shows that day's topics on top; the previous ones follow
    _, next_day = call(
        emu, "mediatopic.getTopics", {"gid": page.page_id, "count": 100}, day=DAY + timedelta(days=1)
    )
    ids = [t["id"] for t in next_day["media_topics"]]
    assert seen[0]["id"] in ids and ids.index(seen[0]["id"]) == len(
        world.posts_between(page, DAY + timedelta(days=1), DAY + timedelta(days=1))
    )


def test_bad_anchor_and_direction(world):
    emu = OkEmulator(world)
    gid = _busiest(world).page_id
    assert call(emu, "mediatopic.getTopics", {"gid": gid, "anchor": "!!"})[1]["error_code"] == 100
    assert call(emu, "mediatopic.getTopics", {"gid": gid, "direction": "BACKWARD"})[1]["error_code"] == 100


def test_deterministic_answers(world):
    a, b = OkEmulator(world), OkEmulator(build_world(Scale.from_name("region"), seed=7))
    page = _busiest(world)
    params = {"gid": page.page_id, "count": 5}
    assert call(a, "mediatopic.getTopics", params) == call(b, "mediatopic.getTopics", params)
    uids = {
        "uids": ",".join(str(p.page_id) for p in world.pages_on("ok")[:100]),
        "fields": "uid,members_count",
    }
    assert call(a, "group.getInfo", uids) == call(b, "group.getInfo", uids)


def test_injected_faults(world):
    faults = Faults(ok_token_errors={"sim-ok-2": 102}, ok_error_every=2, ok_http_error_every=3)
    emu = OkEmulator(world, faults=faults)
    params = {"uids": str(by_state(world, "active")[0].page_id), "fields": "uid"}
    answers = [call(emu, "group.getInfo", params) for _ in range(6)]
    assert [s for s, _ in answers] == [200, 200, 503, 200, 200, 503]
    assert answers[1][1]["error_code"] == 2 and answers[3][1]["error_code"] == 2
    assert call(emu, "group.getInfo", params, token="sim-ok-2")[1]["error_code"] == 102
    assert emu.stats.as_dict()["errors_by_code"] == {"2": 2, "http 503": 2, "102": 1}
    emu.reset()
    assert emu.stats.as_dict()["http_requests"] == 0
