"""The VK API emulator over real HTTP, driven by the real ``vk_api`` client (its requests session
rewrites https://api.vk.ru to the emulator, as the project's VK client does)."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import jconfig
import pytest
import requests
import vk_api
from requests.adapters import HTTPAdapter
from vk_api import ApiError
from vk_api.requests_pool import VkRequestsPool

from gospubliki.simulator.config import EmulatorConfig, Faults
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.world import build_world

DAY = date(2026, 3, 10)
FIELDS = "members_count,verified,description,cover,activity,is_closed,deactivated"


class _ToEmulator(HTTPAdapter):
    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def send(self, request, **kwargs):
        request.url = request.url.replace("https://api.vk.ru", self.base_url, 1)
        kwargs.setdefault("timeout", 10)
        return super().send(request, **kwargs)


def vk_session(base_url: str, token: str = "sim-vk-1") -> vk_api.VkApi:
    session = requests.Session()
    session.mount("https://", _ToEmulator(base_url))
    vk = vk_api.VkApi(token=token, api_version="5.199", session=session, config=jconfig.MemoryConfig)
    vk.RPS_DELAY = 0
    return vk


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=11)


@pytest.fixture
def sim(world):
    with start_in_thread(world) as handle:
        yield handle


def _vk(world, state: str, **attrs):
    return next(
        p
        for p in world.pages_on("vk")
        if p.state == state and all(getattr(p, k) == v for k, v in attrs.items())
    )


def test_get_by_id_shape_refs_and_fields(world, sim):
    vk = vk_session(sim.url_for_day(DAY))
    active = _vk(world, "active", has_custom_name=True)
    by_id = _vk(world, "active", has_custom_name=False)
    no_avatar = _vk(world, "active", has_avatar=False)
    dead, private = _vk(world, "deleted"), _vk(world, "private")
    refs = [
        str(active.page_id),
        active.screen_name.upper(),
        f"club{by_id.page_id}",
        str(no_avatar.page_id),
        str(dead.page_id),
        private.screen_name,
        "no_such_community_x",
    ]
    r = vk.method("groups.getById", {"group_ids": ",".join(refs), "fields": FIELDS})
    assert set(r) == {"groups", "profiles"} and r["profiles"] == []
    groups = {g["id"]: g for g in r["groups"]}
    assert list(groups) == [active.page_id, by_id.page_id, no_avatar.page_id, dead.page_id, private.page_id]
    g = groups[active.page_id]
    assert g["screen_name"] == active.screen_name and g["name"] == active.name
    assert g["members_count"] == world.members_on(active, DAY) > 0
    assert g["verified"] == int(active.verified) and g["is_closed"] == 0 and g["type"] in ("page", "group")
    assert g["cover"]["enabled"] == int(active.has_cover) and isinstance(g["description"], str)
    assert groups[by_id.page_id]["screen_name"] in (f"club{by_id.page_id}", f"public{by_id.page_id}")
    assert "camera_200" in groups[no_avatar.page_id]["photo_200"]
    assert "camera" not in g["photo_200"] or not active.has_avatar
    assert groups[dead.page_id]["deactivated"] == "deleted" and "members_count" not in groups[dead.page_id]
    assert groups[private.page_id]["is_closed"] in (1, 2) and groups[private.page_id]["type"] == "group"
    old = vk.method("groups.getById", {"group_ids": str(active.page_id), "v": "5.131"})
    assert isinstance(old, list) and old[0]["id"] == active.page_id  # the legacy bare array


def test_more_than_500_ids_is_error_100(world, sim):
    vk = vk_session(sim.url_for_day(DAY))
    ids = [str(p.page_id) for p in world.pages_on("vk")[:501]]
    with pytest.raises(ApiError) as err:
        vk.method("groups.getById", {"group_ids": ",".join(ids)})
    assert err.value.code == 100
    assert len(vk.method("groups.getById", {"group_ids": ",".join(ids[:500])})["groups"]) == 500


def test_wall_get_order_pinned_first_and_page_errors(world, sim):
    vk = vk_session(sim.url_for_day(DAY))
    page = next(p for p in world.pages_on("vk") if p.state == "active" and p.pinned and p.posts_per_day > 0.5)
    r = vk.method("wall.get", {"owner_id": -page.page_id, "count": 500})
    items = r["items"]
    assert r["count"] > 100 and len(items) == 100  # count is capped at 100
    assert items[0]["is_pinned"] == 1 and items[0]["date"] < items[-1]["date"]
    dates = [i["date"] for i in items[1:]]
    assert dates == sorted(dates, reverse=True)
    assert max(dates) < int(sim_end_of_day(DAY))
    assert {"id", "owner_id", "from_id", "date", "text", "likes", "reposts", "comments", "post_type"} <= set(
        items[1]
    )
    assert items[1]["owner_id"] == -page.page_id and items[1]["likes"]["count"] >= 0
    second = vk.method("wall.get", {"owner_id": -page.page_id, "count": 100, "offset": 100})["items"]
    assert second[0]["id"] == items[-1]["id"] - 1
    assert vk.method("wall.get", {"domain": page.screen_name, "count": 1})["items"][0]["id"] == items[0]["id"]
    for p, code in ((_vk(world, "private"), 15), (_vk(world, "deleted"), 18), (_vk(world, "banned"), 18)):
        with pytest.raises(ApiError) as err:
            vk.method("wall.get", {"owner_id": -p.page_id})
        assert err.value.code == code
    with pytest.raises(ApiError) as err:
        vk.method("wall.get", {"owner_id": -1})
    assert err.value.code == 100


def sim_end_of_day(day: date) -> float:
    from datetime import datetime, time

    from gospubliki.dates import MOSCOW

    return datetime.combine(day + timedelta(days=1), time(), MOSCOW).timestamp()


def test_execute_with_a_failing_inner_call(world, sim):
    vk = vk_session(sim.url_for_day(DAY))
    ok, private = _vk(world, "active"), _vk(world, "private")
    code = (
        f'return [API.wall.get({{"owner_id": -{ok.page_id}, "count": 2}}), '
        f'API.wall.get({{"owner_id": -{private.page_id}, "count": 2}}), '
        f'API.groups.getById({{"group_ids": "{ok.page_id}", "fields": "members_count"}})];'
    )
    raw = vk.method("execute", {"code": code}, raw=True)
    first, failed, groups = raw["response"]
    assert failed is False
    assert "items" in first and groups["groups"][0]["members_count"] == world.members_on(ok, DAY)
    assert raw["execute_errors"] == [
        {
            "method": "wall.get",
            "error_code": 15,
            "error_msg": "Access denied: this wall available only for community members",
        }
    ]
    # vk_api's own pool maps the errors onto the failed requests
    pages = [ok, private, _vk(world, "deleted")]
    with VkRequestsPool(vk) as pool:
        results = [pool.method("wall.get", {"owner_id": -p.page_id, "count": 1}) for p in pages]
    assert [r.ok for r in results] == [True, False, False]
    assert [r.error["error_code"] for r in results[1:]] == [15, 18]


def test_more_than_25_calls_is_error_13_and_bad_code_error_12(world, sim):
    vk = vk_session(sim.url_for_day(DAY))
    call = f'API.wall.get({{"owner_id": -{world.pages_on("vk")[0].page_id}, "count": 1}})'
    assert len(vk.method("execute", {"code": f"return [{','.join([call] * 25)}];"})) == 25
    with pytest.raises(ApiError) as err:
        vk.method("execute", {"code": f"return [{','.join([call] * 26)}];"})
    assert err.value.code == 13
    with pytest.raises(ApiError) as err:
        vk.method("execute", {"code": "var x = API.wall.get({}); return x;"})
    assert err.value.code == 12


def test_error_6_under_a_burst_and_vk_api_recovers(world):
    page = world.pages_on("vk")[0]
    with start_in_thread(world, config=EmulatorConfig(rate_per_second=5)) as sim:
        url = f"{sim.url_for_day(DAY)}/method/groups.getById"
        data = {"group_ids": str(page.page_id), "access_token": "sim-vk-2", "v": "5.199"}
        with ThreadPoolExecutor(8) as pool:
            bodies = list(pool.map(lambda _: requests.post(url, data=data, timeout=10).json(), range(20)))
        codes = [b.get("error", {}).get("error_code") for b in bodies]
        assert set(codes) == {None, 6}
        assert 5 <= codes.count(None) <= 10 and codes.count(6) >= 10  # 5 per sliding second
        sim.reset_stats()
        vk = vk_session(sim.url_for_day(DAY), "sim-vk-3")
        for _ in range(8):  # vk_api sleeps and retries on error 6
            assert vk.method("groups.getById", {"group_ids": str(page.page_id)})["groups"]
        stats = sim.stats()
        assert stats["errors_by_code"].get("6", 0) >= 1
        assert stats["requests_by_token"]["sim-vk-3"] == 8 + stats["errors_by_code"]["6"]


def test_error_29_after_the_daily_wall_quota(world):
    walls = [p for p in world.pages_on("vk") if p.state == "active"][:25]
    code = (
        "return [" + ",".join(f'API.wall.get({{"owner_id": -{p.page_id}, "count": 1}})' for p in walls) + "];"
    )
    with start_in_thread(world, config=EmulatorConfig(wall_get_daily_quota=30)) as sim:
        vk = vk_session(sim.url_for_day(DAY))
        assert all(r is not False for r in vk.method("execute", {"code": code}))
        raw = vk.method("execute", {"code": code}, raw=True)
        assert [r is False for r in raw["response"]] == [False] * 5 + [True] * 20
        assert {e["error_code"] for e in raw["execute_errors"]} == {29}
        with pytest.raises(ApiError) as err:
            vk.method("wall.get", {"owner_id": -walls[0].page_id})
        assert err.value.code == 29
        assert vk_session(sim.url_for_day(DAY), "sim-vk-2").method(
            "wall.get", {"owner_id": -walls[0].page_id}
        )
        assert vk_session(sim.url_for_day(DAY + timedelta(days=1))).method(
            "wall.get", {"owner_id": -walls[0].page_id}
        )
        assert sim.stats()["wall_get_quota_used"]["sim-vk-1"][DAY.isoformat()] == 30


def test_unknown_or_revoked_token_is_error_5(world, sim):
    page = world.pages_on("vk")[0]
    with pytest.raises(ApiError) as err:
        vk_session(sim.url_for_day(DAY), "not-a-token").method(
            "groups.getById", {"group_ids": str(page.page_id)}
        )
    assert err.value.code == 5
    vk = vk_session(sim.url_for_day(DAY), "sim-vk-4")
    assert vk.method("groups.getById", {"group_ids": str(page.page_id)})["groups"]
    sim.faults.revoked_tokens.add("sim-vk-4")
    with pytest.raises(ApiError) as err:
        vk.method("groups.getById", {"group_ids": str(page.page_id)})
    assert err.value.code == 5


def test_simulated_day_in_the_path_changes_members(world, sim):
    pages = [p for p in world.pages_on("vk") if p.state == "active" and p.members_base > 500][:100]
    ids = ",".join(str(p.page_id) for p in pages)

    def members(day: date) -> list[int]:
        groups = vk_session(sim.url_for_day(day)).method(
            "groups.getById", {"group_ids": ids, "fields": "members_count"}
        )
        return [g["members_count"] for g in groups["groups"]]

    monday, tuesday = members(DAY), members(DAY + timedelta(days=1))
    assert monday == members(DAY) == [world.members_on(p, DAY) for p in pages]
    assert monday != tuesday
    assert all(abs(a - b) <= 0.01 * a for a, b in zip(monday, tuesday, strict=True))
    today = requests.get(
        f"{sim.base_url}/method/groups.getById",
        params={"group_ids": ids, "fields": "members_count", "access_token": "sim-vk-1"},
        timeout=10,
    )
    assert len(today.json()["response"]["groups"]) == len(pages)  # GET and no /asof/: today


def test_negative_members_fault_on_chosen_days(world):
    pages = [p for p in world.pages_on("vk") if p.state == "active"][:50]
    ids = ",".join(str(p.page_id) for p in pages)
    with start_in_thread(world, faults=Faults(negative_members_on={DAY})) as sim:
        bad = vk_session(sim.url_for_day(DAY)).method(
            "groups.getById", {"group_ids": ids, "fields": "members_count"}
        )
        good = vk_session(sim.url_for_day(DAY - timedelta(days=1))).method(
            "groups.getById", {"group_ids": ids, "fields": "members_count"}
        )
    assert all(g["members_count"] <= 0 for g in bad["groups"]) and any(
        g["members_count"] < 0 for g in bad["groups"]
    )
    assert all(g["members_count"] >= 0 for g in good["groups"])


def test_server_error_fault_and_slow_responses(world):
    page = world.pages_on("vk")[0]
    with start_in_thread(world, faults=Faults(server_error_every=3, slow_seconds=0.2)) as sim:
        vk = vk_session(sim.url_for_day(DAY))
        codes = []
        started = time.monotonic()
        for _ in range(6):
            try:
                vk.method("groups.getById", {"group_ids": str(page.page_id)})
                codes.append(None)
            except ApiError as err:
                codes.append(err.code)
        assert codes == [None, None, 10, None, None, 10]
        assert time.monotonic() - started >= 6 * 0.2
        assert sim.stats()["errors_by_code"] == {"10": 2}


@pytest.fixture
def fast_sim(world):
    """No per-second limit to hit: the requests counted are exactly the client's."""
    with start_in_thread(world, config=EmulatorConfig(rate_per_second=10_000)) as handle:
        yield handle


def test_minimum_requests_for_a_full_extraction(world, fast_sim):
    sim = fast_sim
    vk = vk_session(sim.url_for_day(DAY))
    pages = world.pages_on("vk")
    n = len(pages)
    sim.reset_stats()
    members = 0
    for i in range(0, n, 500):
        chunk = pages[i : i + 500]
        groups = vk.method(
            "groups.getById", {"group_ids": ",".join(str(p.page_id) for p in chunk), "fields": FIELDS}
        )
        members += sum(g.get("members_count", 0) for g in groups["groups"])
    failed = 0
    for i in range(0, n, 25):
        code = (
            "return ["
            + ",".join(f'API.wall.get({{"owner_id": -{p.page_id}, "count": 20}})' for p in pages[i : i + 25])
            + "];"
        )
        failed += sum(r is False for r in vk.method("execute", {"code": code}, raw=True)["response"])
    stats = requests.get(f"{sim.base_url}/_sim/stats", timeout=10).json()
    assert stats["http_requests"] == math.ceil(n / 500) + math.ceil(n / 25)
    assert stats["requests_by_method"] == {"groups.getById": math.ceil(n / 500), "execute": math.ceil(n / 25)}
    assert stats["inner_calls"] == {"wall.get": n}
    assert (
        failed
        == sum(stats["execute_errors_by_code"].values())
        == sum(1 for p in pages if p.state != "active")
    )
    assert members == sum(world.members_on(p, DAY) for p in pages if not p.deactivated)
    assert requests.post(f"{sim.base_url}/_sim/reset", timeout=10).json() == {"ok": True}
    assert sim.stats()["http_requests"] == 0
