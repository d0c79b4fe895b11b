"""The municipality rating table as a ЦУР publishes it, read from the mart, and its exports.

``rating_table("43", "2026-W47")`` reads ``marts.municipality_rating`` (and the criteria's points
from ``marts.municipality_rating_criteria``) for one region, period and methodology (default: the
methodology marked default in the seeds). The table renders to the console (rich), CSV, XLSX,
a self-contained HTML page and a PNG in the published style::

    Место | Муниципалитет      | Балл | %   | Динамика
    1     | Кумёнский м.о.     | 26   | 87% | ↑ 7%     (green)
    2     | Котельничский м.р. | 24   | 80% | ↓ 3%     (red)

The rules (dense place, half-up percent, dynamics in p.p., «новый») are computed in dbt; this
module only reads and formats them. ``export_all_regions`` is the weekly task: every region's
table of one period in all four formats.
"""

from __future__ import annotations

import csv
import logging
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from gospubliki import settings
from gospubliki.errors import UserError
from gospubliki.reports import queries
from gospubliki.reports.formatting import plain as _num
from gospubliki.reports.methodology import get_methodology, load_methodologies, parse_period
from gospubliki.reports.queries import fetch
from gospubliki.terminal import make_console

log = logging.getLogger(__name__)

HEADERS = ("Место", "Муниципалитет", "Балл", "%", "Динамика")
NEW_MARK = "новый"
EXAMPLE_NOTE = "пример, не официальная методика"
COLORS = {  # dynamics: green up, red down, grey unchanged, blue new
    "up": "1B7F3B",
    "down": "C62828",
    "same": "616161",
    "new": "1565C0",
}
_MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


class RatingNotFound(UserError, LookupError):
    """No rating rows for the region / period / methodology asked for."""


@dataclass(frozen=True)
class CriterionColumn:
    code: str
    description: str
    kind: str  # computed | manual
    metric: str | None
    threshold: Decimal | None
    points: Decimal


@dataclass(frozen=True)
class RatingRow:
    place: int
    municipality_id: str
    municipality_name: str
    score: Decimal
    max_score: Decimal
    percent: int
    dynamics: str  # '↑ 7%' | '↓ 3%' | '-' | 'новый'
    dynamics_pp: int | None
    is_new: bool
    missing_criteria: tuple[str, ...] = ()
    points: dict[str, Decimal] = field(default_factory=dict)  # criterion code -> points awarded

    @property
    def trend(self) -> str:
        """``up``, ``down``, ``same`` or ``new`` (for colouring)."""
        if self.is_new:
            return "new"
        if self.dynamics_pp and self.dynamics_pp > 0:
            return "up"
        if self.dynamics_pp and self.dynamics_pp < 0:
            return "down"
        return "same"


@dataclass(frozen=True)
class RatingTable:
    region_code: str
    region_name: str
    methodology_code: str
    methodology_name: str
    is_example: bool
    period_type: str
    period_id: str
    period_start: date
    period_end_date: date | None  # the snapshot date the period was measured on
    previous_period_id: str | None
    max_score: Decimal
    criteria: tuple[CriterionColumn, ...]
    rows: tuple[RatingRow, ...]

    @property
    def period_label(self) -> str:
        """«неделя 2026-W47 (16.11–22.11.2026)» or «ноябрь 2026»."""
        period = parse_period(self.period_id)
        if self.period_type == "month":
            return f"{_MONTHS[period.start.month - 1]} {period.start.year}"
        return f"неделя {self.period_id} ({period.start:%d.%m}–{period.end:%d.%m.%Y})"

    @property
    def title(self) -> str:
        return f"Рейтинг госпабликов муниципалитетов — {self.region_name}"

    @property
    def subtitle(self) -> str:
        measured = f", данные на {self.period_end_date:%d.%m.%Y}" if self.period_end_date else ""
        return f"{self.period_label[0].upper()}{self.period_label[1:]}{measured}"

    @property
    def methodology_note(self) -> str:
        labelled = "не официальн" in self.methodology_name.lower()
        example = f" — {EXAMPLE_NOTE}" if self.is_example and not labelled else ""
        return f"Методика: {self.methodology_name}{example}. Максимум — {_num(self.max_score)} баллов."

    @property
    def common_missing(self) -> tuple[str, ...]:
        """Criteria without data for every municipality of the table (e.g. a network not loaded)."""
        if not self.rows:
            return ()
        common = set(self.rows[0].missing_criteria)
        for row in self.rows[1:]:
            common &= set(row.missing_criteria)
        return tuple(c for c in self.rows[0].missing_criteria if c in common)

    def own_missing(self, row: RatingRow) -> tuple[str, ...]:
        """The row's criteria without data beyond :attr:`common_missing`."""
        common = set(self.common_missing)
        return tuple(c for c in row.missing_criteria if c not in common)

    @property
    def missing_note(self) -> str:
        """One sentence on criteria without data (0 points), or ''."""
        parts = []
        if common := self.common_missing:
            parts.append(f"нет данных у всех по критериям {', '.join(common)} (0 баллов)")
        if any(self.own_missing(r) for r in self.rows):
            parts.append("* — нет данных по части критериев (0 баллов), см. CSV/XLSX")
        text = "; ".join(parts)
        return f"{text[0].upper()}{text[1:]}." if parts else ""

    @property
    def file_stem(self) -> str:
        return f"rating_{self.methodology_code}_{self.region_code}_{self.period_id}"


def available_periods(
    region_code: str | None = None, methodology: str | None = None, url: str | None = None
) -> list[str]:
    """Periods of the methodology in the mart (of one region, or of any), newest first."""
    code = get_methodology(methodology).code
    rows = fetch(url, queries.RATING_PERIODS, (code, region_code, region_code))
    return [r["period_id"] for r in rows]


def _resolve_period(
    period: str | None, methodology_code: str, period_type: str, region_code: str | None, url
):
    if period is not None:
        return parse_period(period, period_type).period_id
    periods = available_periods(region_code, methodology_code, url)
    if not periods:
        where = f" for region {region_code}" if region_code else ""
        raise RatingNotFound(
            f"no rating of methodology {methodology_code!r}{where}; {_with_data(region_code, url)}"
        )
    return periods[0]


def _with_data(region_code: str | None, url: str | None) -> str:
    """Which methodologies the mart has periods of (for the region), to name in a refusal."""
    rows = fetch(url, queries.RATING_METHODOLOGIES_WITH_DATA, (region_code, region_code))
    if not rows:
        return "the rating mart is empty: run `gospubliki dbt build`"
    return "methodologies with data: " + ", ".join(
        f"{r['methodology_code']} (latest {r['latest']}; --methodology {r['methodology_code']})" for r in rows
    )


def _tables_from_rows(rating_rows: list[dict], criteria_rows: list[dict]) -> list[RatingTable]:
    points: dict[tuple[str, str], dict[str, Decimal]] = {}
    columns: dict[str, dict[str, CriterionColumn]] = {}
    order: dict[str, dict[str, int]] = {}
    for r in criteria_rows:
        points.setdefault((r["region_code"], r["municipality_id"]), {})[r["criterion_code"]] = r[
            "points_awarded"
        ]
        columns.setdefault(r["region_code"], {})[r["criterion_code"]] = CriterionColumn(
            r["criterion_code"],
            r["criterion_description"] or r["criterion_code"],
            r["criterion_kind"],
            r["metric"],
            r["threshold"],
            r["criterion_points"],
        )
        order.setdefault(r["region_code"], {})[r["criterion_code"]] = r["criterion_sort_order"] or 0
    by_region: dict[str, list[dict]] = {}
    for r in rating_rows:
        by_region.setdefault(r["region_code"], []).append(r)
    tables = []
    for region_code, rows in sorted(by_region.items()):
        first = rows[0]
        rows.sort(key=lambda r: (r["place"], r["municipality_name"], r["municipality_id"]))
        region_columns = columns.get(region_code, {})
        tables.append(
            RatingTable(
                region_code=region_code,
                region_name=first["region_name"],
                methodology_code=first["methodology_code"],
                methodology_name=first["methodology_name"] or first["methodology_code"],
                is_example=bool(first["is_example"]),
                period_type=first["period_type"],
                period_id=first["period_id"],
                period_start=first["period_start"],
                period_end_date=first["period_end_date"],
                previous_period_id=next(
                    (r["previous_period_id"] for r in rows if r["previous_period_id"]), None
                ),
                max_score=first["max_score"],
                criteria=tuple(
                    sorted(region_columns.values(), key=lambda c: (order[region_code][c.code], c.code))
                ),
                rows=tuple(
                    RatingRow(
                        place=r["place"],
                        municipality_id=r["municipality_id"],
                        municipality_name=r["municipality_name"],
                        score=r["score"],
                        max_score=r["max_score"],
                        percent=r["score_percent"],
                        dynamics=r["dynamics"],
                        dynamics_pp=r["dynamics_pp"],
                        is_new=r["is_new"],
                        missing_criteria=tuple(
                            c.strip() for c in (r["missing_criteria"] or "").split(",") if c.strip()
                        ),
                        points=points.get((region_code, r["municipality_id"]), {}),
                    )
                    for r in rows
                ),
            )
        )
    return tables


def rating_tables(
    period: str | None = None,
    methodology: str | None = None,
    url: str | None = None,
    region_code: str | None = None,
) -> list[RatingTable]:
    """Every region's table of one period (default: the methodology's latest period)."""
    m = get_methodology(methodology)
    period_id = _resolve_period(period, m.code, m.period_type, region_code, url)
    params = (m.code, period_id, region_code, region_code)
    tables = _tables_from_rows(fetch(url, queries.RATING, params), fetch(url, queries.RATING_CRITERIA, params))
    if not tables:
        known = available_periods(region_code, m.code, url)[:8]
        where = f" for region {region_code}" if region_code else ""
        raise RatingNotFound(
            f"no rating of methodology {m.code!r}{where} for {period_id}"
            + (f"; available: {', '.join(known)}" if known else f"; {_with_data(region_code, url)}")
        )
    return tables


def rating_table(
    region_code: str, period: str | None = None, methodology: str | None = None, url: str | None = None
) -> RatingTable:
    """The rating table of one region and period ('2026-W47' or '2026-11'; default: the latest
    period of that region) by ``methodology`` (default: the seeds' default methodology).

    :raises RatingNotFound: nothing in the mart for that region/period.
    :raises MethodologyError: unknown methodology, or a period of the wrong kind.
    """
    region_code = region_code.strip().zfill(2)
    return rating_tables(period, methodology, url, region_code=region_code)[0]


# ---------------------------------------------------------------- console
def render_console(table: RatingTable):
    """A ``rich.table.Table`` with the published columns «Место | Муниципалитет | Балл | % | Динамика»."""
    from rich.table import Table
    from rich.text import Text

    styles = {"up": "bold green", "down": "bold red", "same": "dim", "new": "bold blue"}
    out = Table(
        title=f"{table.title}\n{table.subtitle}",
        caption=" ".join(filter(None, (table.methodology_note, table.missing_note))),
        caption_justify="left",
    )
    out.add_column(HEADERS[0], justify="right")
    out.add_column(HEADERS[1], justify="left")
    out.add_column(HEADERS[2], justify="right")
    out.add_column(HEADERS[3], justify="right")
    out.add_column(HEADERS[4], justify="center")
    for row in table.rows:
        mark = " *" if table.own_missing(row) else ""
        out.add_row(
            str(row.place),
            row.municipality_name + mark,
            _num(row.score),
            f"{row.percent}%",
            Text(row.dynamics, style=styles[row.trend]),
        )
    return out


# ---------------------------------------------------------------- CSV / XLSX
CSV_COLUMNS = (
    "Место",
    "Муниципалитет",
    "Балл",
    "Максимум",
    "%",
    "Динамика",
    "Изменение, п.п.",
    "Новый",
    "Нет данных по критериям",
    "Код муниципалитета",
)


def _detail_values(table: RatingTable, row: RatingRow) -> list:
    return [
        row.place,
        row.municipality_name,
        row.score,
        row.max_score,
        row.percent,
        row.dynamics,
        row.dynamics_pp,
        "да" if row.is_new else "нет",
        ", ".join(row.missing_criteria),
        row.municipality_id,
    ] + [row.points.get(c.code) for c in table.criteria]


#: a spreadsheet takes a cell starting with one of these for a formula (OWASP "CSV injection")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value):
    """A CSV cell that no spreadsheet evaluates: text starting with a formula character gets a
    leading apostrophe (OWASP); a lone "-" (no change) and numbers stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and value != "-":
        return "'" + value
    return value


def export_csv(table: RatingTable, path: str | Path) -> Path:
    """UTF-8 (with BOM, so Excel detects it), comma-separated; the published columns, then the
    maximum, the change in p.p., the new flag, criteria without data, the municipality id and the
    points of every criterion (columns named by criterion code). Numbers with a dot."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*CSV_COLUMNS, *(c.code for c in table.criteria)])
        for row in table.rows:
            writer.writerow(["" if v is None else csv_text(v) for v in _detail_values(table, row)])
    return path


def export_xlsx(table: RatingTable, path: str | Path) -> Path:
    """A formatted workbook: sheet «Рейтинг» (title, the published columns, coloured arrows),
    «Критерии» (points of every criterion per municipality, criteria without data marked) and
    «Методика» (criteria, thresholds, points)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    header_fill = PatternFill("solid", fgColor="1F3A5F")
    header_font = Font(bold=True, color="FFFFFF")
    zebra = PatternFill("solid", fgColor="F3F6FA")
    missing_fill = PatternFill("solid", fgColor="FFF3E0")
    thin = Side(style="thin", color="D0D7E2")
    border = Border(top=thin, bottom=thin, left=thin, right=thin)
    center = Alignment(horizontal="center", vertical="center")

    ws = wb.active
    ws.title = "Рейтинг"
    ws["A1"] = table.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = table.subtitle
    ws["A3"] = table.methodology_note
    ws["A3"].font = Font(italic=True, color="616161")
    for cell in ("A1", "A2", "A3"):
        ws.merge_cells(f"{cell}:E{cell[1:]}")
    header_row = 5
    for col, title in enumerate(HEADERS, start=1):
        cell = ws.cell(header_row, col, title)
        cell.fill, cell.font, cell.alignment, cell.border = header_fill, header_font, center, border
    for i, row in enumerate(table.rows):
        r = header_row + 1 + i
        values = [row.place, row.municipality_name, row.score, row.percent, row.dynamics]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col, float(value) if isinstance(value, Decimal) else value)
            cell.border = border
            if i % 2:
                cell.fill = zebra
            if col != 2:
                cell.alignment = center
        ws.cell(r, 3).number_format = "0.##"
        ws.cell(r, 4).number_format = '0"%"'
        ws.cell(r, 5).font = Font(bold=True, color=COLORS[row.trend])
        if table.own_missing(row):
            ws.cell(r, 2).value = f"{row.municipality_name} *"
    last = header_row + len(table.rows)
    if note := table.missing_note:
        ws.cell(last + 2, 1, note).font = Font(italic=True, color="616161")
    for col, width in zip("ABCDE", (8, 40, 8, 8, 12), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 1)

    wd = wb.create_sheet("Критерии")
    titles = [*CSV_COLUMNS, *(f"{c.code}: {c.description} (до {_num(c.points)})" for c in table.criteria)]
    for col, title in enumerate(titles, start=1):
        cell = wd.cell(1, col, title)
        cell.fill, cell.font, cell.border = header_fill, header_font, border
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(table.rows, start=2):
        for col, value in enumerate(_detail_values(table, row), start=1):
            cell = wd.cell(i, col, float(value) if isinstance(value, Decimal) else value)
            cell.border = border
        for j, criterion in enumerate(table.criteria):
            if criterion.code in row.missing_criteria:
                wd.cell(i, len(CSV_COLUMNS) + 1 + j).fill = missing_fill
    wd.row_dimensions[1].height = 60
    for col in range(1, len(titles) + 1):
        wd.column_dimensions[get_column_letter(col)].width = 34 if col == 2 else 14
    wd.freeze_panes = "C2"

    wm = wb.create_sheet("Методика")
    wm["A1"] = table.methodology_note
    wm["A1"].font = Font(bold=True)
    for col, title in enumerate(("Критерий", "Описание", "Вид", "Показатель", "Порог", "Баллы"), start=1):
        cell = wm.cell(3, col, title)
        cell.fill, cell.font, cell.border = header_fill, header_font, border
    for i, c in enumerate(table.criteria, start=4):
        kind = "вычисляемый" if c.kind == "computed" else "ручной (эксперт)"
        values = (c.code, c.description, kind, c.metric, c.threshold, c.points)
        for col, value in enumerate(values, start=1):
            cell = wm.cell(i, col, float(value) if isinstance(value, Decimal) else value)
            cell.border = border
    for col, width in zip("ABCDEF", (18, 70, 18, 24, 10, 8), strict=True):
        wm.column_dimensions[col].width = width
    _no_formulas(wb)
    wb.save(path)
    return path


def _no_formulas(wb) -> None:
    """openpyxl stores any string starting with "=" as a formula; this workbook has none of its
    own, so every such cell (a municipality named "=HYPERLINK(…)") is stored as text. Strings
    starting with "+", "-" or "@" are typed text cells in XLSX already."""
    for ws in wb.worksheets:
        for cells in ws.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"


# ---------------------------------------------------------------- HTML
def render_html(table: RatingTable, path: str | Path) -> Path:
    """A self-contained HTML page (template ``templates/rating.html``: inline CSS; no external
    CSS, scripts, fonts or images)."""
    from gospubliki.reports import templating

    return templating.write("rating.html", path, table=table, headers=HEADERS)


# ---------------------------------------------------------------- PNG
def render_png(table: RatingTable, path: str | Path, dpi: int = 150) -> Path:
    """The table as a picture in the published style: place, name, score, %, coloured arrows
    (green ↑, red ↓). Drawn with matplotlib's Agg canvas and DejaVu Sans (ships with matplotlib,
    has Cyrillic and the arrows)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    row_h = 0.34  # inches
    header_h, title_h = 0.42, 0.95
    notes = [
        line
        for note in (table.methodology_note, table.missing_note)
        if note
        for line in textwrap.wrap(note, width=118)
    ]
    foot_h = 0.18 * len(notes) + 0.3
    width = 8.0
    height = title_h + header_h + row_h * max(len(table.rows), 1) + foot_h
    fig = Figure(figsize=(width, height), dpi=dpi)
    fig.patch.set_facecolor("white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)  # y grows downwards, in inches
    ax.axis("off")
    font = {"family": "DejaVu Sans"}
    left, right = 0.3, width - 0.3
    # column centres / anchors (inches)
    x_place, x_name, x_score, x_pct, x_dyn = left + 0.35, left + 0.85, right - 2.45, right - 1.55, right - 0.6

    ax.text(left, 0.38, table.title, fontsize=13, fontweight="bold", va="center", **font)
    ax.text(left, 0.72, table.subtitle, fontsize=10, color="#4a5866", va="center", **font)
    y = title_h
    ax.add_patch(Rectangle((left, y), right - left, header_h, color="#1F3A5F"))
    yc = y + header_h / 2
    for x, text, ha in (
        (x_place, HEADERS[0], "center"),
        (x_name, HEADERS[1], "left"),
        (x_score, HEADERS[2], "center"),
        (x_pct, HEADERS[3], "center"),
        (x_dyn, HEADERS[4], "center"),
    ):
        ax.text(x, yc, text, color="white", fontsize=10.5, fontweight="bold", ha=ha, va="center", **font)
    y += header_h
    colors = {k: f"#{v}" for k, v in COLORS.items()}
    for i, row in enumerate(table.rows):
        if i % 2:
            ax.add_patch(Rectangle((left, y), right - left, row_h, color="#F3F6FA"))
        ax.plot([left, right], [y + row_h, y + row_h], color="#D0D7E2", linewidth=0.6)
        yc = y + row_h / 2
        name = row.municipality_name + (" *" if table.own_missing(row) else "")
        ax.text(x_place, yc, str(row.place), fontsize=10, ha="center", va="center", **font)
        ax.text(x_name, yc, name, fontsize=10, ha="left", va="center", **font)
        ax.text(x_score, yc, _num(row.score), fontsize=10, ha="center", va="center", **font)
        ax.text(x_pct, yc, f"{row.percent}%", fontsize=10, ha="center", va="center", **font)
        ax.text(
            x_dyn,
            yc,
            row.dynamics,
            fontsize=10,
            ha="center",
            va="center",
            color=colors[row.trend],
            fontweight="bold" if row.trend in ("up", "down") else "normal",
            **font,
        )
        y += row_h
    y += 0.2
    for note in notes:
        ax.text(left, y, note, fontsize=7.5, color="#616161", va="top", **font)
        y += 0.18
    fig.savefig(path, dpi=dpi, facecolor="white")
    return path


# ---------------------------------------------------------------- files for a region / all regions
FORMATS = ("csv", "xlsx", "html", "png")


def write_files(table: RatingTable, out_dir: str | Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """``<out_dir>/rating_<methodology>_<region>_<period>.{csv,xlsx,html,png}``."""
    out_dir = Path(out_dir)
    writers = {"csv": export_csv, "xlsx": export_xlsx, "html": render_html, "png": render_png}
    return [writers[f](table, out_dir / f"{table.file_stem}.{f}") for f in formats]


def export_region(
    region_code: str,
    period: str | None = None,
    out_dir: str | Path | None = None,
    *,
    methodology: str | None = None,
    url: str | None = None,
) -> list[Path]:
    """One region's rating table in every format (default folder: ``<GOSPUBLIKI_HOME>/reports/rating``)."""
    table = rating_table(region_code, period, methodology, url)
    return write_files(table, out_dir or default_out_dir())


def export_all_regions(
    out_dir: str | Path | None = None,
    period: str | None = None,
    url: str | None = None,
    *,
    methodology: str | None = None,
) -> list[Path]:
    """The weekly task: every region's table of ``period`` (default: the methodology's latest
    period) in every format, under ``out_dir/<period>/``. Returns the files written."""
    tables = rating_tables(period, methodology, url)
    target = Path(out_dir or default_out_dir()) / tables[0].period_id
    files: list[Path] = []
    for table in tables:
        files += write_files(table, target)
    log.info(
        "rating %s %s: %d regions, %d files in %s",
        tables[0].methodology_code,
        tables[0].period_id,
        len(tables),
        len(files),
        target,
    )
    return files


def default_out_dir() -> Path:
    return settings.home() / "reports" / "rating"


def show_and_export(
    region_code: str,
    period: str | None = None,
    *,
    methodology: str | None = None,
    out_dir: str | Path | None = None,
    formats: Iterable[str] = FORMATS,
    console=None,
    url: str | None = None,
) -> list[Path]:
    """For ``gospubliki rating --region R --period P [--methodology M] [--out DIR]``: print the
    table and, with ``out_dir``, write it in ``formats``; returns the files written."""

    table = rating_table(region_code, period, methodology, url)
    (console or make_console()).print(render_console(table))
    return write_files(table, out_dir, formats) if out_dir is not None else []


def weekly_export(
    snapshot_date: date, out_dir: str | Path | None = None, url: str | None = None
) -> list[Path]:
    """The weekly task: every region's table of the default methodology's period that contains
    ``snapshot_date`` (run it for the last day of the period, e.g. Sunday's snapshot) in every
    format, under ``out_dir/<period>/``. Raises :class:`RatingNotFound` if the mart has no rows
    for that period yet (run dbt first)."""
    from gospubliki.reports.methodology import default_methodology, period_of

    period = period_of(snapshot_date, default_methodology().period_type)
    return export_all_regions(out_dir, period.period_id, url)


def methodology_codes() -> list[str]:
    """Codes of the methodologies in the seeds (for CLI choices)."""
    return sorted(load_methodologies())
