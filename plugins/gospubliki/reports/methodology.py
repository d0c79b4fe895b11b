"""The rating methodologies as the dbt seeds define them, and rating periods.

The methodology is data: ``dbt_project/seeds/rating_methodologies.csv`` (one row per methodology:
rated institutions, period, maximum) and ``rating_criteria.csv`` (its criteria: computed from
page data with a metric, threshold and points, or manual — an expert's points from CSV). dbt
builds the rating from them; this module reads the same files for the Python side (the manual
scores importer checks rows against them; reports pick the default methodology) and checks their
consistency the same way the dbt tests do. Format: ``docs/rating-methodology.md``.

Periods are written as ЦУР and the CLI write them: an ISO week ``2026-W47`` or a month
``2026-11`` (the dbt macro ``rating_period_id`` produces the same text).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from gospubliki.errors import UserError

PERIOD_TYPES = ("week", "month")
KINDS = ("computed", "manual")
ENTITIES = ("municipality",)
LEVELS = ("municipal", "regional", "federal")
#: metrics a computed criterion may use (columns of the rating's working in dbt)
METRICS = (
    "vk_page_active",
    "ok_page_active",
    "tg_page_active",
    "has_gov_badge",
    "has_full_design",
    "max_posts_per_week",
    "avg_views_per_post",
    "engagement_rate_views",
    "subscribers_per_1000",
)
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MethodologyError(UserError, ValueError):
    """The methodology seeds are inconsistent (or a methodology/period asked for does not exist)."""


@dataclass(frozen=True)
class Criterion:
    methodology_code: str
    criterion_code: str
    kind: str  # computed | manual
    metric: str | None
    threshold: Decimal | None
    points: Decimal  # for a manual criterion: the most an expert may give
    sort_order: int
    description_ru: str


@dataclass(frozen=True)
class Methodology:
    code: str
    name_ru: str
    is_example: bool
    is_default: bool
    entity: str
    rated_sectors: tuple[str, ...]
    rated_level: str
    period_type: str  # week | month
    max_score: Decimal
    description_ru: str
    criteria: tuple[Criterion, ...]

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.criterion_code == code), None)

    @property
    def manual_criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == "manual")


@dataclass(frozen=True, order=True)
class Period:
    """A rating period: ``start`` (Monday of the ISO week / 1st of the month), ``end`` (its last day)."""

    start: date
    period_type: str
    period_id: str

    @property
    def end(self) -> date:
        if self.period_type == "week":
            return self.start + timedelta(days=6)
        first_of_next = date(self.start.year + self.start.month // 12, self.start.month % 12 + 1, 1)
        return first_of_next - timedelta(days=1)

    def previous(self) -> Period:
        return period_of(self.start - timedelta(days=1), self.period_type)


def seeds_dir() -> Path:
    """``<dbt project>/seeds`` (the project folder follows ``GOSPUBLIKI_DBT_PROJECT_DIR``)."""
    from gospubliki.transform.dbt import project_dir

    return project_dir() / "seeds"


def _bool(text: str, where: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "t", "1", "yes"):
        return True
    if value in ("false", "f", "0", "no", ""):
        return False
    raise MethodologyError(f"{where}: not a boolean: {text!r}")


def _decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise MethodologyError(f"{where}: not a number: {text!r}") from None
    if not value.is_finite():
        raise MethodologyError(f"{where}: not a finite number: {text!r}")
    return value


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def load_methodologies(directory: str | Path | None = None) -> dict[str, Methodology]:
    """Read and check ``rating_methodologies.csv`` + ``rating_criteria.csv`` (default: the dbt
    project's seeds). Raises :class:`MethodologyError` with every problem found."""
    directory = Path(directory) if directory is not None else seeds_dir()
    problems: list[str] = []
    criteria_by_methodology: dict[str, list[Criterion]] = {}
    for number, row in enumerate(_read(directory / "rating_criteria.csv"), start=1):
        where = f"rating_criteria.csv row {number}"
        try:
            kind = row["kind"]
            if kind not in KINDS:
                raise MethodologyError(f"{where}: kind must be one of {KINDS}, not {kind!r}")
            if not _CODE.match(row["criterion_code"]):
                raise MethodologyError(f"{where}: bad criterion_code {row['criterion_code']!r}")
            metric = row.get("metric") or None
            threshold = _decimal(row["threshold"], where) if row.get("threshold") else None
            if kind == "computed" and (metric not in METRICS or threshold is None):
                raise MethodologyError(
                    f"{where}: a computed criterion needs a metric of {METRICS} and a threshold"
                )
            if kind == "manual" and (metric or threshold is not None):
                raise MethodologyError(f"{where}: a manual criterion has no metric and no threshold")
            points = _decimal(row["points"], where)
            if points < 0:
                raise MethodologyError(f"{where}: points must not be negative")
            criterion = Criterion(
                methodology_code=row["methodology_code"],
                criterion_code=row["criterion_code"],
                kind=kind,
                metric=metric,
                threshold=threshold,
                points=points,
                sort_order=int(row.get("sort_order") or 0),
                description_ru=row.get("description_ru", ""),
            )
        except (MethodologyError, KeyError, ValueError) as exc:
            problems.append(str(exc) if isinstance(exc, MethodologyError) else f"{where}: {exc!r}")
            continue
        same = criteria_by_methodology.setdefault(criterion.methodology_code, [])
        if any(c.criterion_code == criterion.criterion_code for c in same):
            problems.append(f"{where}: criterion {criterion.criterion_code!r} repeated")
        same.append(criterion)

    methodologies: dict[str, Methodology] = {}
    for number, row in enumerate(_read(directory / "rating_methodologies.csv"), start=1):
        where = f"rating_methodologies.csv row {number}"
        try:
            code = row["methodology_code"]
            if not _CODE.match(code):
                raise MethodologyError(f"{where}: bad methodology_code {code!r}")
            if code in methodologies:
                raise MethodologyError(f"{where}: methodology {code!r} repeated")
            if row["period_type"] not in PERIOD_TYPES:
                raise MethodologyError(f"{where}: period_type must be one of {PERIOD_TYPES}")
            if row["entity"] not in ENTITIES:
                raise MethodologyError(f"{where}: entity must be one of {ENTITIES}")
            if row["rated_level"] not in LEVELS:
                raise MethodologyError(f"{where}: rated_level must be one of {LEVELS}")
            sectors = tuple(s.strip() for s in row["rated_sectors"].split(";") if s.strip())
            if not sectors:
                raise MethodologyError(f"{where}: rated_sectors is empty")
            max_score = _decimal(row["max_score"], where)
            criteria = tuple(sorted(criteria_by_methodology.get(code, []), key=lambda c: c.sort_order))
            total = sum((c.points for c in criteria), Decimal(0))
            if max_score <= 0 or total != max_score:
                raise MethodologyError(
                    f"{where}: the points of {code!r}'s criteria add up to {total}, not max_score {max_score}"
                )
            methodologies[code] = Methodology(
                code=code,
                name_ru=row["name_ru"],
                is_example=_bool(row["is_example"], where),
                is_default=_bool(row["is_default"], where),
                entity=row["entity"],
                rated_sectors=sectors,
                rated_level=row["rated_level"],
                period_type=row["period_type"],
                max_score=max_score,
                description_ru=row.get("description_ru", ""),
                criteria=criteria,
            )
        except (MethodologyError, KeyError) as exc:
            problems.append(str(exc) if isinstance(exc, MethodologyError) else f"{where}: missing {exc}")
    if unknown := set(criteria_by_methodology) - set(methodologies) - {""}:
        problems.append(f"rating_criteria.csv: criteria of unknown methodologies {sorted(unknown)}")
    defaults = [m.code for m in methodologies.values() if m.is_default]
    if methodologies and len(defaults) != 1:
        problems.append(
            f"rating_methodologies.csv: exactly one default methodology expected, found {defaults}"
        )
    if problems:
        raise MethodologyError("; ".join(problems))
    return methodologies


def default_methodology(methodologies: dict[str, Methodology] | None = None) -> Methodology:
    methodologies = methodologies if methodologies is not None else load_methodologies()
    return next(m for m in methodologies.values() if m.is_default)


def get_methodology(code: str | None, methodologies: dict[str, Methodology] | None = None) -> Methodology:
    """The methodology ``code`` (``None``: the default one)."""
    methodologies = methodologies if methodologies is not None else load_methodologies()
    if code is None:
        return default_methodology(methodologies)
    try:
        return methodologies[code]
    except KeyError:
        raise MethodologyError(
            f"unknown methodology {code!r} (known: {', '.join(sorted(methodologies))})"
        ) from None


def period_of(day: date, period_type: str = "week") -> Period:
    """The period (ISO week or month) that contains ``day``."""
    if period_type == "week":
        start = day - timedelta(days=day.weekday())
        iso = start.isocalendar()
        return Period(start, "week", f"{iso.year}-W{iso.week:02d}")
    if period_type == "month":
        start = day.replace(day=1)
        return Period(start, "month", f"{start.year}-{start.month:02d}")
    raise MethodologyError(f"period type must be one of {PERIOD_TYPES}, not {period_type!r}")


def parse_period(text: str, period_type: str | None = None) -> Period:
    """``'2026-W47'`` → the ISO week, ``'2026-11'`` → the month. With ``period_type`` the text
    must be of that kind (a weekly methodology has no month periods)."""
    text = text.strip()
    if m := _WEEK.match(text):
        year, week = int(m.group(1)), int(m.group(2))
        try:
            start = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise MethodologyError(f"no ISO week {text!r} (year {year} has no week {week})") from None
        period = Period(start, "week", f"{year}-W{week:02d}")
    elif m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise MethodologyError(f"no month {text!r}")
        period = Period(date(year, month, 1), "month", f"{year}-{month:02d}")
    else:
        raise MethodologyError(f"not a period: {text!r} (write an ISO week '2026-W47' or a month '2026-11')")
    if period_type is not None and period.period_type != period_type:
        example = "'2026-W47'" if period_type == "week" else "'2026-11'"
        raise MethodologyError(
            f"{text!r} is a {period.period_type}, the methodology is rated by {period_type} ({example})"
        )
    return period
