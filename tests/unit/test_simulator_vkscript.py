"""The restricted VKScript of the emulator's execute, including the code vk_api generates."""

from __future__ import annotations

import pytest
from vk_api.requests_pool import vk_one_method, vk_one_param

from gospubliki.simulator.vkscript import ScriptError, parse


def test_literal_array_of_calls():
    s = parse(
        'return [API.wall.get({"owner_id": -1, "count": 100, "offset": 0}),'
        ' API.groups.getById({"group_ids": "1,gorod"}), API.wall.get()];'
    )
    assert s.returns_array
    assert s.calls == [
        ("wall.get", {"owner_id": -1, "count": 100, "offset": 0}),
        ("groups.getById", {"group_ids": "1,gorod"}),
        ("wall.get", {}),
    ]


def test_single_call_returns_one_value():
    s = parse('  return API.wall.get({"owner_id": -5, "text": "a), b]"});  ')
    assert not s.returns_array and s.calls == [("wall.get", {"owner_id": -5, "text": "a), b]"})]


def test_vk_api_pool_loops_are_understood():
    code = vk_one_method.compile(
        {"method": "wall.get", "values": [{"owner_id": -1}, {"owner_id": -2, "count": 5}]}
    )
    assert parse(code).calls == [("wall.get", {"owner_id": -1}), ("wall.get", {"owner_id": -2, "count": 5})]
    code = vk_one_param.compile(
        {"method": "wall.get", "values": [-1, -2, -3], "default_values": {"count": 10}, "key": "owner_id"}
    )
    assert parse(code).calls == [("wall.get", {"count": 10, "owner_id": v}) for v in (-1, -2, -3)]


@pytest.mark.parametrize(
    "code",
    [
        "",
        "var a = 1; return a;",
        "return [API.wall.get(1)];",
        'return [API.wall.get({"a": 1})] + 1;',
        "return [API.wall.get({)];",
        'return [API.wall.get({"a": 1}) API.wall.get({})];',
    ],
)
def test_other_code_is_a_compile_error(code):
    with pytest.raises(ScriptError):
        parse(code)
