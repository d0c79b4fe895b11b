"""Checks of API answers before they become raw rows, shared by every network.

An answer of an unexpected shape for one page (a post that is not an object, a counter that is
not an integer, a number beyond PostgreSQL's ``bigint``, a NUL character PostgreSQL text cannot
hold) must cost that page, not the network's day: these helpers raise
:class:`~gospubliki.clients.errors.BadPayload` naming the field, and the extractors skip the page
with that message. Plausibility (is 10^12 members believable?) is *not* judged here: a value that
fits is stored as the API gave it.
"""

from __future__ import annotations

from typing import Any

from gospubliki.clients.errors import BadPayload

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def integer(value: Any, what: str, network: str, *, required: bool = False) -> int | None:
    """``value`` as a ``bigint`` (``None`` stays ``None`` unless ``required``).

    Integers and strings of digits (OK sends ids as strings) are accepted; booleans, floats,
    other strings, objects and numbers outside ``bigint`` raise :class:`BadPayload`.
    """
    if value is None:
        if required:
            raise BadPayload(network, f"bad payload: {what} is missing")
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload(network, f"bad payload: {what} is {_show(value)}, not an integer")
    if not BIGINT_MIN <= value <= BIGINT_MAX:
        raise BadPayload(network, f"bad payload: {what} = {value} does not fit a bigint")
    return value


def nested_count(obj: dict, key: str, what: str, network: str, field: str = "count") -> int | None:
    """``obj[key][field]`` as an integer; ``None`` when the API did not give it (unknown, not 0)."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadPayload(network, f"bad payload: {what}.{key} is {_show(value)}, not an object")
    return integer(value.get(field), f"{what}.{key}.{field}", network)


def text(value: Any) -> str | None:
    """A text column: ``None`` stays ``None``; NUL characters (PostgreSQL text cannot hold them)
    are dropped."""
    if value is None:
        return None
    return str(value).replace("\x00", "")


def json_value(value: Any) -> Any:
    """A JSON document for a ``jsonb`` column with NUL characters dropped from every string
    (``jsonb`` refuses ``\\u0000``); other values unchanged."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {json_value(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
