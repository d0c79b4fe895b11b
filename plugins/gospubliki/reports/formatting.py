"""Numbers as Russian reports write them (the Jinja filters of the report templates).

Digits are grouped by a narrow no-break space (U+202F, the typographic «тонкий пробел» that never
breaks a line), the decimal sign is a comma, large numbers in cards and bar labels are shortened
to «тыс.» / «млн»::

    integer(180370)    -> '180 370'          compact(180370)   -> '180,4 тыс.'
    integer(3017)      -> '3 017'            compact(61_200_000) -> '61,2 млн'
    percent(66.7)      -> '66,7 %'           change(180370, 179600) -> '+770'
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

THIN = "\u202f"  # narrow no-break space: digit groups and «66,7 %»
MINUS = "\u2212"  # a real minus sign, as wide as the plus
NO_DATA = "—"


def _decimal(value, places: int, fixed: bool = False) -> str:
    """``Decimal`` rounded half-up to ``places``, with a decimal comma; trailing zeros dropped
    unless ``fixed`` (a column of shares reads better with the same number of digits)."""
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(d):f}".partition(".")
    frac = frac if fixed else frac.rstrip("0")
    sign = MINUS if d < 0 else ""
    return sign + _group(whole) + (f",{frac}" if frac else "")


def _group(digits: str) -> str:
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return THIN.join(groups) or "0"


def integer(value) -> str:
    """A whole number with digit groups: 180370 -> '180 370'; ``None`` -> '—'."""
    if value is None:
        return NO_DATA
    return _decimal(value, 0)


def number(value, places: int = 1) -> str:
    """A decimal with a comma, at most ``places`` digits: 72.32 -> '72,3', 100.0 -> '100'."""
    if value is None:
        return NO_DATA
    return _decimal(value, places)


def compact(value) -> str:
    """Short form for cards and bar labels: below 10 000 as is, then «тыс.», from a million «млн»."""
    if value is None:
        return NO_DATA
    v = Decimal(str(value))
    if abs(v) < 10_000:
        return integer(v)
    thousands = (v / 1_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if abs(thousands) < 1_000:  # 999 960 rounds to a million, not to «1 000 тыс.»
        return f"{_decimal(thousands, 1)}{THIN}тыс."
    return f"{_decimal(v / 1_000_000, 1)}{THIN}млн"


def percent(value, places: int = 1) -> str:
    """66.7 -> '66,7 %' (a value already in percent); ``None`` -> '—'."""
    if value is None:
        return NO_DATA
    return f"{_decimal(value, places)}{THIN}%"


def share(value, places: int = 1) -> str:
    """A share as percent with ``places`` digits: 0.026832 -> '2,7 %', 0.011 -> '1,10 %' (places 2)."""
    if value is None:
        return NO_DATA
    return f"{_decimal(Decimal(str(value)) * 100, places, fixed=True)}{THIN}%"


def change(current, previous) -> str | None:
    """The change of a count since the previous period: '+770', '−6', '0'; ``None`` when either
    value is missing (the report then says «нет данных за прошлую неделю»)."""
    if current is None or previous is None:
        return None
    diff = Decimal(str(current)) - Decimal(str(previous))
    return ("+" if diff > 0 else "") + integer(diff)


def plain(value) -> str:
    """A score as published: 24 -> '24', 24.5 -> '24,5' (decimal comma, no digit groups)."""
    d = Decimal(value)
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.normalize():f}".replace(".", ",")


def day(value, fmt: str = "%d.%m.%Y") -> str:
    """A date as Russian reports write it: '23.11.2025' (``fmt`` '%d.%m' for '23.11')."""
    return NO_DATA if value is None else value.strftime(fmt)


FILTERS = {
    "day": day,
    "plain": plain,
    "integer": integer,
    "number": number,
    "compact": compact,
    "percent": percent,
    "share": share,
}
