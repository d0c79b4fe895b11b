"""The manual (expert) criteria importer on the real warehouse: every row checked against the
methodology seeds and the reference municipalities, rejects kept with reasons, re-imports replace
the same key only."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import psycopg2
import pytest

from gospubliki.reference.catalog import Municipality
from gospubliki.reference.load import load_reference
from gospubliki.reports.manual import ManualScoresFileError, import_manual_scores
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration

HEADER = "methodology_code,period,region_code,municipality,criterion_code,points,comment\n"


def rows(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        out = cur.fetchall()
    conn.close()
    return out


def scores(url: str) -> dict[tuple, tuple]:
    return {
        (m, e, p, c): (points, comment)
        for m, e, p, c, points, comment in rows(
            url,
            """select methodology_code, entity_id, period_start, criterion_code, points, comment
               from registry.rating_manual_scores""",
        )
    }


@pytest.fixture
def reference(fresh_db) -> str:
    db.apply_schema(fresh_db)
    load_reference(fresh_db)
    return fresh_db


def write(tmp_path, body: str, name: str = "scores.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_valid_rows_load_and_every_bad_row_is_rejected_with_its_reason(reference, tmp_path):
    path = write(
        tmp_path,
        "example_expert,2026-11,,43-kirov,widgets,3,ПОС и Госуслуги\n"
        'example_expert,2026-11,43,Котельничский м.р.,comments,"2,5",\n'  # name + region, decimal comma
        "example_expert,2026-11,,котельничский м.р.,content,1.25,\n"  # unique name without region
        "no_such,2026-11,,43-kirov,widgets,1,\n"
        "example_30,2026-W47,,43-kirov,vk_page,4,\n"
        "example_expert,2026-W47,,43-kirov,content,1,\n"
        "example_expert,2026-13,,43-kirov,content,1,\n"
        "example_expert,2026-11,,43-kirov,quality,1,\n"
        "example_expert,2026-11,,43-nowhere,content,1,\n"
        "example_expert,2026-11,44,Котельничский м.р.,content,1,\n"
        "example_expert,2026-11,,43-kirov,comments,5,\n"
        "example_expert,2026-11,,43-kirov,comments,-1,\n"
        "example_expert,2026-11,,43-kirov,comments,1.255,\n"
        "example_expert,2026-11,,43-kirov,comments,много,\n"
        "example_expert,2026-11,,43-kirov,widgets,2,\n"
        "example_expert,,,43-kirov,comments,2,\n",
    )
    report = import_manual_scores(path, url=reference)
    assert (report.rows_total, report.rows_loaded) == (16, 3)
    reasons = {r.row_number: r.reason for r in report.rejects}
    expected_fragments = {
        4: "unknown methodology 'no_such'",
        5: "is computed from page data, not manual",
        6: "is a week, the methodology is rated by month",
        7: "no month",
        8: "has no criterion 'quality' (manual ones: widgets, comments, content)",
        9: "unknown municipality '43-nowhere'",
        10: "unknown municipality 'Котельничский м.р.' in region 44",
        11: "out of range: the criterion gives 0 to 4",
        12: "out of range",
        13: "at most 2 decimals",
        14: "points must be a number",
        15: "duplicate of row 1",
        16: "missing required value(s): period",
    }
    assert set(reasons) == set(expected_fragments)
    for number, fragment in expected_fragments.items():
        assert fragment in reasons[number], (number, reasons[number])

    november = date(2026, 11, 1)
    assert scores(reference) == {
        ("example_expert", "43-kirov", november, "widgets"): (Decimal("3.00"), "ПОС и Госуслуги"),
        ("example_expert", "43-kotelnichskiy", november, "comments"): (Decimal("2.50"), None),
        ("example_expert", "43-kotelnichskiy", november, "content"): (Decimal("1.25"), None),
    }
    assert report.periods == {("example_expert", "2026-11")}
    stored = rows(
        reference,
        "select row_number, reason, raw_row from registry.rating_manual_rejects where import_id = %s",
        (report.import_id,),
    )
    assert {n: r for n, r, _ in stored} == reasons
    raw = next(raw for n, _, raw in stored if n == 4)
    assert (raw if isinstance(raw, dict) else json.loads(raw))["methodology_code"] == "no_such"
    assert rows(
        reference,
        "select rows_total, rows_loaded, rows_rejected from registry.rating_manual_imports "
        "where import_id = %s",
        (report.import_id,),
    ) == [(16, 3, 13)]


def test_a_reimport_replaces_the_same_key_and_keeps_the_others(reference, tmp_path):
    first = import_manual_scores(
        write(
            tmp_path,
            "example_expert,2026-11,,43-kirov,widgets,3,\nexample_expert,2026-10,,43-kirov,widgets,1,\n",
            "a.csv",
        ),
        url=reference,
    )
    (imported_at_before,) = rows(
        reference,
        "select imported_at from registry.rating_manual_scores where period_start = '2026-11-01'",
    )[0]
    second = import_manual_scores(
        write(tmp_path, "example_expert,2026-11,,43-kirov,widgets,0,проверено: виджетов нет\n", "b.csv"),
        url=reference,
    )
    assert second.import_id > first.import_id
    assert scores(reference) == {
        ("example_expert", "43-kirov", date(2026, 11, 1), "widgets"): (
            Decimal("0.00"),
            "проверено: виджетов нет",
        ),
        ("example_expert", "43-kirov", date(2026, 10, 1), "widgets"): (Decimal("1.00"), None),
    }
    changed = rows(
        reference,
        "select import_id, imported_at from registry.rating_manual_scores where period_start = '2026-11-01'",
    )[0]
    assert changed[0] == second.import_id and changed[1] > imported_at_before
    unchanged = rows(
        reference, "select import_id from registry.rating_manual_scores where period_start = '2026-10-01'"
    )
    assert unchanged == [(first.import_id,)]


def test_a_name_in_several_regions_needs_the_region(reference, tmp_path):
    # a second «Котельничский м.р.» in another region (synthetic, as the simulator adds them)
    load_reference(
        reference, extra_municipalities=[Municipality("12-kotelnichskiy", "12", "Котельничский", "м.р.", 900)]
    )
    report = import_manual_scores(
        write(
            tmp_path,
            "example_expert,2026-11,,Котельничский м.р.,widgets,1,\n"
            "example_expert,2026-11,12,Котельничский м.р.,widgets,2,\n",
        ),
        url=reference,
    )
    assert report.rows_loaded == 1
    assert "exists in several regions: give region_code" in report.rejects[0].reason
    assert scores(reference) == {
        ("example_expert", "12-kotelnichskiy", date(2026, 11, 1), "widgets"): (Decimal("2.00"), None)
    }


def test_a_file_without_required_columns_is_refused_whole(reference, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "methodology_code,period,municipality,points\nexample_expert,2026-11,43-kirov,1\n", encoding="utf-8"
    )
    with pytest.raises(ManualScoresFileError, match="missing column.*criterion_code"):
        import_manual_scores(path, url=reference)
    assert rows(reference, "select count(*) from registry.rating_manual_imports") == [(0,)]


def test_without_reference_data_nothing_is_imported(fresh_db, tmp_path):
    db.apply_schema(fresh_db)
    with pytest.raises(ManualScoresFileError, match="reference.municipalities is empty"):
        import_manual_scores(write(tmp_path, "example_expert,2026-11,,43-kirov,widgets,1,\n"), url=fresh_db)
    assert rows(fresh_db, "select count(*) from registry.rating_manual_imports") == [(0,)]
