"""Pure helpers of the VK client: batching, VKScript, execute error mapping, window, matching."""

from __future__ import annotations

import json
import math
import re

import pytest

from gospubliki.clients.vk_batches import (
    EXECUTE_CALLS,
    GET_BY_ID_BATCH,
    WallTask,
    chunks,
    execute_outcomes,
    groups_of,
    match_groups,
    owner_of,
    script_calls,
    wall_script,
    window_posts,
)


@pytest.mark.parametrize("n", [0, 1, 24, 25, 26, 499, 500, 501, 1234])
def test_batching_arithmetic(n):
    items = list(range(n))
    by500, by25 = chunks(items, GET_BY_ID_BATCH), chunks(items, EXECUTE_CALLS)
    assert len(by500) == math.ceil(n / 500) and len(by25) == math.ceil(n / 25)
    assert all(len(c) <= 500 for c in by500) and all(len(c) <= 25 for c in by25)
    assert [x for c in by25 for x in c] == items  # order kept, nothing lost or repeated


def test_wall_script_is_literal_vkscript_with_json_args():
    tasks = [WallTask(101), WallTask(202, offset=100)]
    script = wall_script(tasks)
    assert script == (
        'return [API.wall.get({"owner_id": -101, "count": 100, "offset": 0, "filter": "owner"}), '
        'API.wall.get({"owner_id": -202, "count": 100, "offset": 100, "filter": "owner"})];'
    )
    args = [json.loads(m) for m in re.findall(r"API\.wall\.get\((\{.*?\})\)", script)]
    assert [a["owner_id"] for a in args] == [-101, -202]


def test_a_walls_first_page_is_small_and_later_pages_are_full():
    first = WallTask(101, count=10)
    assert wall_script([first]) == (
        'return [API.wall.get({"owner_id": -101, "count": 10, "offset": 0, "filter": "owner"})];'
    )
    second = first.next_page()
    assert (second.offset, second.count, second.attempt) == (10, 100, 0)
    assert (second.next_page().offset, second.next_page().count) == (110, 100)
    retry = first.retried()
    assert (retry.offset, retry.count, retry.attempt) == (0, 10, 1)  # a retry asks for the same page


def test_a_small_first_page_full_of_window_posts_asks_for_more():
    items = [_post(50 - i, 1999 - i) for i in range(10)]  # 10 posts, all inside [1000, 2000)
    kept, more = window_posts({"count": 50, "items": items}, 0, 1000, count=10)
    assert len(kept) == 10 and more is True
    kept, more = window_posts({"count": 50, "items": items[:3] + [_post(1, 900)]}, 0, 1000, count=10)
    assert len(kept) == 3 and more is False  # the window starts inside this page
    _, more = window_posts({"count": 10, "items": items}, 0, 1000, count=10)
    assert more is False  # the wall holds exactly these 10 posts


def test_wall_script_of_a_full_batch_has_25_calls():
    script = wall_script([WallTask(g) for g in range(1, 26)])
    assert script.count("API.wall.get(") == 25 and script.startswith("return [") and script.endswith("];")


def test_script_calls_counts_each_method_called_inside_execute():
    assert script_calls(wall_script([WallTask(g) for g in range(1, 26)])) == {"wall.get": 25}
    assert script_calls('var a = API.groups.getById({"group_ids": 1}); return [a, API.wall.get({}), '
                        'API.wall.get({})];') == {"groups.getById": 1, "wall.get": 2}
    assert script_calls("return 1;") == {}


def test_owner_of_both_request_param_forms():
    assert (
        owner_of(
            {"request_params": [{"key": "method", "value": "wall.get"}, {"key": "owner_id", "value": "-55"}]}
        )
        == 55
    )
    assert owner_of({"request_params": {"owner_id": -7}}) == 7
    assert owner_of({"request_params": [{"key": "offset", "value": "0"}]}) is None
    assert owner_of({}) is None


def test_execute_outcomes_matches_errors_by_owner_even_out_of_order():
    tasks = [WallTask(1), WallTask(2), WallTask(3)]
    raw = {
        "response": [False, {"count": 0, "items": []}, False],
        "execute_errors": [
            {"method": "wall.get", "error_code": 18, "request_params": [{"key": "owner_id", "value": "-3"}]},
            {"method": "wall.get", "error_code": 15, "request_params": [{"key": "owner_id", "value": "-1"}]},
        ],
    }
    out = {t.group_id: (page, err) for t, page, err in execute_outcomes(tasks, raw)}
    assert out[1][1]["error_code"] == 15 and out[3][1]["error_code"] == 18
    assert out[2] == ({"count": 0, "items": []}, None)


def test_execute_outcomes_falls_back_to_order_without_owner():
    tasks = [WallTask(1), WallTask(2), WallTask(3)]
    raw = {
        "response": [False, {"items": []}, False],
        "execute_errors": [{"error_code": 15}, {"error_code": 29}],
    }
    codes = [(t.group_id, err and err["error_code"]) for t, _, err in execute_outcomes(tasks, raw)]
    assert codes == [(1, 15), (2, None), (3, 29)]


def test_execute_outcomes_short_response_leaves_missing_calls_failed():
    out = execute_outcomes([WallTask(1), WallTask(2)], {"response": [{"items": []}]})
    assert out[1][1] is None and out[1][2] is None


def _post(pid, ts, pinned=False):
    return {"id": pid, "date": ts, **({"is_pinned": 1} if pinned else {})}


def test_window_keeps_window_posts_and_ignores_an_old_pinned_post():
    page = {"count": 4, "items": [_post(9, 10, pinned=True), _post(8, 2500), _post(7, 1500), _post(6, 900)]}
    kept, more = window_posts(page, 0, 1000)
    assert [p["id"] for p in kept] == [8, 7]  # 8, dated after the snapshot day, is kept for the quarantine
    assert more is False  # the oldest non-pinned post is before the window start


def test_window_asks_for_next_page_only_while_inside_the_window():
    items = [_post(200 - i, 1999 - i) for i in range(100)]  # all inside [1000, 2000)
    kept, more = window_posts({"count": 250, "items": items}, 0, 1000)
    assert len(kept) == 100 and more is True
    _, more_last = window_posts({"count": 250, "items": items}, 200, 1000)
    assert more_last is False  # offset 200 + 100 >= 250: the wall has no more posts
    _, pinned_only_old = window_posts(
        {"count": 250, "items": [_post(1, 1500, pinned=True)] + items[:1]}, 0, 1600
    )
    assert pinned_only_old is True  # the pinned post is older, but the newest real post is in the window


def test_groups_of_both_response_formats():
    assert groups_of({"groups": [{"id": 1}], "profiles": []}) == [{"id": 1}]
    assert groups_of([{"id": 2}]) == [{"id": 2}]
    assert groups_of(None) == []


def test_match_groups_by_id_and_screen_name():
    groups = [{"id": 10, "screen_name": "gorod_kirov"}, {"id": 20, "screen_name": "club20"}, {"id": 30}]
    found = match_groups(["10", "Gorod_Kirov", "club20", "public30", "40", "missing"], groups)
    assert found["10"]["id"] == 10 and found["Gorod_Kirov"]["id"] == 10
    assert found["club20"]["id"] == 20 and found["public30"]["id"] == 30
    assert "40" not in found and "missing" not in found
