"""A parser for the restricted VKScript the emulator's ``execute`` understands.

Accepted forms (each call's argument is a JSON object):

* ``return [API.wall.get({...}), API.groups.getById({...}), ...];``
* ``return API.wall.get({...});`` (a single result, not an array)
* the two loops ``vk_api`` generates in ``VkRequestsPool`` (``vk_one_method``) and
  ``vk_request_one_param_pool`` (``vk_one_param``), after ``vk_api``'s minification.

Anything else raises :class:`ScriptError` (VK error 12, "Unable to compile code").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_DECODER = json.JSONDecoder()
_CALL = re.compile(r"\s*API\.([A-Za-z]+\.[A-Za-z]+)\s*\(\s*")
_ONE_METHOD = re.compile(
    r",\s*i\s*=\s*0\s*,\s*result\s*=\s*\[\s*\]\s*;\s*while\s*\(\s*i\s*<\s*values\.length\s*\)\s*\{\s*"
    r"result\.push\(\s*API\.([A-Za-z]+\.[A-Za-z]+)\(\s*values\[i\]\s*\)\s*\)\s*;\s*i\s*=\s*i\s*\+\s*1\s*;\s*\}\s*"
    r"return\s+result\s*;?\s*"
)
_ONE_PARAM = re.compile(
    r",\s*result\s*=\s*\[\s*\]\s*,\s*i\s*=\s*0\s*;\s*while\s*\(\s*i\s*<\s*values\.length\s*\)\s*\{\s*"
    r"def_values\.(\w+)\s*=\s*values\[i\]\s*;\s*result\.push\(\s*API\.([A-Za-z]+\.[A-Za-z]+)\(\s*def_values\s*\)\s*\)\s*;\s*"
    r"i\s*=\s*i\s*\+\s*1\s*;\s*\}\s*return\s+result\s*;?\s*"
)


class ScriptError(ValueError):
    """The code is not in a form the emulator understands."""


@dataclass(frozen=True)
class Script:
    calls: list[tuple[str, dict]]  # (method, arguments) in order
    returns_array: bool


def _json_at(code: str, pos: int):
    pos = len(code) - len(code[pos:].lstrip())
    try:
        return _DECODER.raw_decode(code, pos)
    except json.JSONDecodeError as exc:
        raise ScriptError(f"bad JSON at {pos}: {exc.msg}") from exc


def _call(code: str, pos: int) -> tuple[tuple[str, dict], int]:
    m = _CALL.match(code, pos)
    if not m:
        raise ScriptError(f"expected API.<method>( at {pos}")
    pos = m.end()
    args: dict = {}
    if not code.startswith(")", pos):
        args, pos = _json_at(code, pos)
        if not isinstance(args, dict):
            raise ScriptError("a call's argument must be an object")
    pos = len(code) - len(code[pos:].lstrip())
    if not code.startswith(")", pos):
        raise ScriptError(f"expected ) at {pos}")
    return (m.group(1), args), pos + 1


def _loops(code: str) -> Script | None:
    if code.startswith("var values"):
        values, end = _json_at(code, code.index("=") + 1)
        m = _ONE_METHOD.fullmatch(code, end)
        if m and isinstance(values, list):
            return Script([(m.group(1), v if isinstance(v, dict) else {}) for v in values], True)
    if code.startswith("var def_values"):
        defaults, end = _json_at(code, code.index("=") + 1)
        m = re.compile(r",\s*values\s*=\s*").match(code, end)
        if m:
            values, end = _json_at(code, m.end())
            m2 = _ONE_PARAM.fullmatch(code, end)
            if m2 and isinstance(values, list) and isinstance(defaults, dict):
                key, method = m2.group(1), m2.group(2)
                return Script([(method, defaults | {key: v}) for v in values], True)
    return None


def parse(code: str) -> Script:
    """Parse ``code`` into the API calls it makes."""
    code = code.strip()
    if (script := _loops(code)) is not None:
        return script
    m = re.match(r"return\s*", code)
    if not m:
        raise ScriptError("code must start with return")
    pos = m.end()
    calls = []
    if code.startswith("[", pos):
        pos += 1
        while True:
            pos = len(code) - len(code[pos:].lstrip())
            if code.startswith("]", pos) and not calls:
                pos += 1
                break
            call, pos = _call(code, pos)
            calls.append(call)
            pos = len(code) - len(code[pos:].lstrip())
            if code.startswith(",", pos):
                pos += 1
            elif code.startswith("]", pos):
                pos += 1
                break
            else:
                raise ScriptError(f"expected , or ] at {pos}")
        array = True
    else:
        call, pos = _call(code, pos)
        calls.append(call)
        array = False
    if code[pos:].strip() not in ("", ";"):
        raise ScriptError(f"unexpected text after the return value at {pos}")
    return Script(calls, array)
