"""Numbers as the Russian reports write them: thin-space digit groups, decimal comma, «тыс.» / «млн»."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gospubliki.reports import formatting as f

T = "\u202f"  # narrow no-break space


def test_integers_percent_and_shares():
    assert [f.integer(v) for v in (0, 7, 3017, 180370, 61_000_000, -1464, None)] == [
        "0", "7", f"3{T}017", f"180{T}370", f"61{T}000{T}000", f"\u22121{T}464", "—",
    ]
    assert [f.number(v) for v in (Decimal("72.32"), Decimal("100.0"), Decimal("108.49"), 0.05)] == [
        "72,3", "100", "108,5", "0,1",  # half up, not to even
    ]
    assert [f.percent(v) for v in (Decimal("87.5"), Decimal("100.0"), None)] == [f"87,5{T}%", f"100{T}%", "—"]
    assert [f.share(Decimal(v), 2) for v in ("0.026832", "0.011042", "0")] == [f"2,68{T}%", f"1,10{T}%", f"0,00{T}%"]


def test_compact_numbers_for_cards_and_bars():
    assert [f.compact(v) for v in (9_999, 10_000, 180_370, 999_949, 999_960, 1_464_000, 61_200_000)] == [
        f"9{T}999", f"10{T}тыс.", f"180,4{T}тыс.", f"999,9{T}тыс.", f"1{T}млн", f"1,5{T}млн", f"61,2{T}млн",
    ]


def test_change_since_last_week_and_dates():
    assert [f.change(*pair) for pair in ((180_370, 179_600), (7, 7), (40, 46), (1, None), (None, 3))] == [
        "+770", "0", "\u22126", None, None,
    ]
    assert (f.day(date(2025, 11, 23)), f.day(date(2025, 11, 23), "%d.%m"), f.day(None)) == ("23.11.2025", "23.11", "—")
    assert [f.plain(v) for v in (Decimal(24), Decimal("24.50"), Decimal("0.5"))] == ["24", "24,5", "0,5"]
