"""The weekly region report, laid out like the operator's presentation: one self-contained HTML
page and its PDF.

``region_report("43", "2026-W48")`` reads the marts (SQL in :mod:`gospubliki.reports.queries`) at
the last snapshot date of the week and of the week before: the headline figures (institutions
with pages, pages, subscribers, posts a week) with their change, «создано / создать» per sector,
audience and activity per municipality, the «светофор», the rating table and the week's best
posts. :func:`write_report` renders ``templates/region.html`` (charts: :mod:`.charts`) and prints
it to PDF with headless Chromium; :func:`weekly_export` does it for every region (the weekly DAG).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from gospubliki import settings
from gospubliki.dates import MOSCOW
from gospubliki.errors import BadValue, UserError
from gospubliki.reports import formatting, queries
from gospubliki.reports.methodology import (
    MethodologyError,
    Period,
    default_methodology,
    parse_period,
    period_of,
)
from gospubliki.reports.queries import fetch
from gospubliki.reports.rating import HEADERS, RatingNotFound, RatingTable, rating_table
from gospubliki.reports.summary import NETWORK_LABELS

log = logging.getLogger(__name__)

BEST_POSTS = 10  # the week's best posts shown
RED_PAGES = 15  # red pages listed (largest audiences first)
#: how long Chromium may take to load a page (≈ 5 MB: plotly.js inline) and print it; Playwright's
#: default of 30 s is not enough on a busy machine
PRINT_TIMEOUT_MS = 300_000


class ReportNotFound(UserError, LookupError):
    """No such region, or no data of the region in the period asked for."""


@dataclass(frozen=True)
class Headline:
    """One headline figure with its value at the end of the week and of the week before."""

    key: str
    label: str
    value: int | None
    previous: int | None

    @property
    def change(self) -> str | None:
        """'+770', '−6', '0'; ``None`` without last week's value."""
        return formatting.change(self.value, self.previous)


@dataclass(frozen=True)
class RegionReport:
    region_code: str
    region_name: str
    period: Period
    snapshot_date: date  # the week's last snapshot date: the daily marts are read there
    days_covered: tuple[date, ...]  # snapshot dates of the region within the week
    previous_date: date | None  # the last snapshot date of the week before, if any
    headline: tuple[Headline, ...]
    coverage: dict  # target / created institutions, coverage %, connected and badged pages
    networks: tuple[dict, ...]  # the headline figures per network (label: network_label)
    sectors: tuple[dict, ...]
    municipalities: tuple[dict, ...]
    compliance: tuple[dict, ...]
    red_pages: tuple[dict, ...]
    best_posts: tuple[dict, ...]
    rating: RatingTable | None
    rating_note: str  # why there is no rating table, when there is none
    generated_at: datetime

    @property
    def title(self) -> str:
        return f"Госпаблики — {self.region_name}"

    @property
    def period_label(self) -> str:
        p = self.period
        return f"Неделя {p.period_id} ({p.start:%d.%m}–{p.end:%d.%m.%Y})"

    @property
    def partial_note(self) -> str:
        """«Неполная неделя: …» when the marts have fewer than 7 days of the week (the «bi» work
        adds ``days_covered`` / ``is_partial_week`` to the weekly marts: read them there then)."""
        if len(self.days_covered) >= 7:
            return ""
        days = ", ".join(f"{d:%d.%m}" for d in self.days_covered)
        return f"Неполная неделя: данные за {len(self.days_covered)} из 7 дней ({days})."

    @property
    def file_stem(self) -> str:
        return f"region_report_{self.region_code}_{self.period.period_id}"


def _regions(url: str | None) -> list[dict]:
    return fetch(url, queries.REGIONS)


def _named(rows: list[dict]) -> str:
    return ", ".join(f"{r['region_code']} ({r['region_name']})" for r in rows) or "none yet (run the pipeline first)"


def _region(region_code: str, url: str | None) -> dict:
    code = region_code.strip().zfill(2)
    regions = _regions(url)
    with_data = [r for r in regions if r["has_data"]]
    match = next((r for r in regions if r["region_code"] == code), None)
    if match is None:
        raise ReportNotFound(f"unknown region {region_code!r}; regions with data: {_named(with_data)}")
    if not match["has_data"]:
        raise ReportNotFound(
            f"region {code} ({match['region_name']}) has no institutions in the registry; "
            f"regions with data: {_named(with_data)}"
        )
    return match


def weeks_of(region_code: str, url: str | None = None) -> dict[str, list[date]]:
    """ISO week id → the region's snapshot dates in it, newest week first."""
    weeks: dict[str, list[date]] = {}
    for row in fetch(url, queries.REGION_DATES, (region_code,)):
        weeks.setdefault(period_of(row["snapshot_date"]).period_id, []).append(row["snapshot_date"])
    return dict(sorted(weeks.items(), reverse=True))


def _week(period: str | None, region: dict, weeks: dict[str, list[date]]) -> Period:
    known = ", ".join(list(weeks)[:10])
    if period is None:
        if not weeks:
            raise ReportNotFound(f"no data for region {region['region_code']} yet: run the pipeline first")
        return parse_period(next(iter(weeks)))
    try:
        week = parse_period(period)
    except MethodologyError:
        if "-W" in period.upper():  # a week that does not exist: the message says why
            raise
        week = None  # its message offers months, which the weekly report has not
    if week is None or week.period_type != "week":
        raise BadValue(f"not an ISO week: {period!r} (the region report is weekly: write it like '2026-W48')")
    if week.period_id not in weeks:
        raise ReportNotFound(
            f"no data for region {region['region_code']} ({region['region_name']}) in {week.period_id}; "
            f"weeks with data: {known or 'none yet'}"
        )
    return week


def _rating(region_code: str, week: Period, url: str | None) -> tuple[RatingTable | None, str]:
    """The default methodology's rating of the week (or of the month of its Sunday)."""
    m = default_methodology()
    period = week if m.period_type == "week" else period_of(week.end, m.period_type)
    try:
        return rating_table(region_code, period.period_id, m.code, url), ""
    except RatingNotFound:
        return None, f"Рейтинга по методике «{m.name_ru}» за {period.period_id} в витрине нет."


def region_report(region_code: str, period: str | None = None, url: str | None = None) -> RegionReport:
    """The report of one region and ISO week (default: the region's latest week with data).

    :raises ReportNotFound: unknown region, a region without institutions, a week without data
        (the messages name what exists).
    :raises BadValue: a period that is not an ISO week.
    """
    region = _region(region_code, url)
    code = region["region_code"]
    weeks = weeks_of(code, url)
    week = _week(period, region, weeks)
    days = tuple(sorted(weeks[week.period_id]))
    day = days[-1]
    previous_week = period_of(week.start - timedelta(days=1)).period_id
    previous_day = max(weeks[previous_week]) if previous_week in weeks else None

    now = fetch(url, queries.HEADLINE, (code, day))[0]
    before = fetch(url, queries.HEADLINE, (code, previous_day))[0] if previous_day else {}
    headline = tuple(
        Headline(key, label, now[key], before.get(key))
        for key, label in (
            ("created_institutions", "Учреждений с госпабликами"),
            ("pages", "Госпабликов"),
            ("subscribers", "Подписчиков"),
            ("posts_per_week", "Публикаций за неделю"),
        )
    )
    rating, rating_note = _rating(code, week, url)
    return RegionReport(
        region_code=code,
        region_name=region["region_name"],
        period=week,
        snapshot_date=day,
        days_covered=days,
        previous_date=previous_day,
        headline=headline,
        coverage=now,
        networks=tuple(
            dict(r, network_label=NETWORK_LABELS.get(r["network"], r["network"]))
            for r in fetch(url, queries.NETWORKS, (code, day))
        ),
        sectors=tuple(fetch(url, queries.SECTORS, (code, day))),
        municipalities=tuple(fetch(url, queries.MUNICIPALITIES, (code, day))),
        compliance=tuple(fetch(url, queries.COMPLIANCE, (code, day))),
        red_pages=tuple(fetch(url, queries.RED_PAGES, (code, day, RED_PAGES))),
        best_posts=tuple(fetch(url, queries.BEST_POSTS, (code, week.period_id, BEST_POSTS))),
        rating=rating,
        rating_note=rating_note,
        generated_at=datetime.now(MOSCOW),
    )


# ---------------------------------------------------------------- files
def render_html(report: RegionReport, path: str | Path) -> Path:
    """The report as one self-contained page: plotly.js inlined once, the charts, the tables."""
    from plotly.offline import get_plotlyjs

    from gospubliki.reports import charts, templating

    return templating.write(
        "region.html",
        path,
        report=report,
        charts=charts.render_all(report),
        plotly_js=get_plotlyjs(),
        headers=HEADERS,
    )


def print_pdf(browser, html: Path, pdf: Path | None = None) -> Path:
    """Print ``html`` to PDF (A4 landscape, one view per page) once every chart has rendered."""
    pdf = pdf or html.with_suffix(".pdf")
    page = browser.new_page(viewport={"width": 1100, "height": 800}, locale="ru-RU")
    page.set_default_timeout(PRINT_TIMEOUT_MS)
    try:
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.plotly-graph-div')]"
            ".every(d => d.querySelector('svg.main-svg'))"
        )
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    finally:
        page.close()
    return pdf


def write_reports(reports: list[RegionReport], out_dir: str | Path, pdf: bool = True) -> list[Path]:
    """``<out_dir>/region_report_<region>_<week>.html`` (and ``.pdf``) of each report. The HTML
    files are written first: without Chromium they stay and :class:`ChromiumMissing` says why."""
    from gospubliki import chromium

    out_dir = Path(out_dir)
    pages = [render_html(r, out_dir / f"{r.file_stem}.html") for r in reports]
    if not pdf:
        return pages
    files = list(pages)
    with chromium.browser() as browser:
        for html in pages:
            files.append(print_pdf(browser, html))
    return files


def default_out_dir(period_id: str) -> Path:
    return settings.home() / "reports" / "region" / period_id


def export_region(
    region_code: str,
    period: str | None = None,
    out_dir: str | Path | None = None,
    *,
    pdf: bool = True,
    url: str | None = None,
) -> list[Path]:
    """``gospubliki report``: one region's report of one week (default folder:
    ``<GOSPUBLIKI_HOME>/reports/region/<week>/``)."""
    report = region_report(region_code, period, url)
    return write_reports([report], out_dir or default_out_dir(report.period.period_id), pdf)


def weekly_export(
    snapshot_date: date, out_dir: str | Path | None = None, url: str | None = None, *, pdf: bool = True
) -> list[Path]:
    """The weekly task: the report of every region with data in the ISO week of
    ``snapshot_date``, under ``out_dir/<week>/`` (default ``<GOSPUBLIKI_HOME>/reports/region``)."""
    week = period_of(snapshot_date)
    codes = [r["region_code"] for r in fetch(url, queries.REGIONS_OF_WEEK, (week.start, week.end))]
    if not codes:
        raise ReportNotFound(f"no region has data in {week.period_id}: run the daily pipeline first")
    target = Path(out_dir) / week.period_id if out_dir else default_out_dir(week.period_id)
    files = write_reports([region_report(code, week.period_id, url) for code in codes], target, pdf)
    log.info("region reports %s: %d regions, %d files in %s", week.period_id, len(codes), len(files), target)
    return files
