"""Import the manual (expert) criteria of the rating from CSV.

A ЦУР expert scores what the APIs cannot show (widgets, work with comments, content quality) in
a CSV file, one row per municipality, period and criterion::

    methodology_code,period,region_code,municipality,criterion_code,points,comment
    example_expert,2026-11,43,Котельничский м.р.,widgets,2,ПОС и Госуслуги
    example_expert,2026-11,,43-kirov,comments,3,

* ``methodology_code`` — a methodology of ``dbt_project/seeds/rating_methodologies.csv``;
* ``period`` — its period: an ISO week ``2026-W47`` (weekly methodology) or a month ``2026-11``;
* ``municipality`` — the id (``43-kirov``) or the name as the region writes it
  (``Котельничский м.р.``, ``г.о. Котельнич``, ``МО "Город Киров"``: read by
  :mod:`gospubliki.reference.names`, with the aliases of the seed ``municipality_aliases.csv``;
  ``region_code`` tells the region, unless the name is unique in the country). A one-letter slip
  is corrected with a warning; an unknown name is rejected with the closest reference names;
* ``criterion_code`` — a **manual** criterion of that methodology;
* ``points`` — from 0 to the criterion's points (``2.5`` or ``2,5``; at most 2 decimals);
* ``comment`` — optional.

Every row is checked on its own against the methodology seeds and the reference municipalities;
a row that fails goes to ``registry.rating_manual_rejects`` with the reason and the valid rows
load (like the registry importer). A valid row replaces the points of the same (methodology,
period, municipality, criterion) from earlier imports; other scores stay. The next ``dbt build``
recomputes the periods that got new scores.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from psycopg2.extras import execute_values

from gospubliki.errors import UserError
from gospubliki.reference.names import MunicipalityNames, Reference
from gospubliki.reports.methodology import Methodology, MethodologyError, load_methodologies, parse_period
from gospubliki.reports.methodology import seeds_dir as default_seeds_dir
from gospubliki.warehouse import db

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("methodology_code", "period", "municipality", "criterion_code", "points")
OPTIONAL_COLUMNS = ("region_code", "comment")
COLUMNS = (*REQUIRED_COLUMNS[:3], "region_code", *REQUIRED_COLUMNS[3:], "comment")


class ManualScoresFileError(UserError, ValueError):
    """The file as a whole cannot be imported (missing columns, not CSV, no reference data)."""


@dataclass
class Reject:
    row_number: int
    row: dict
    reason: str


@dataclass
class ManualImportReport:
    import_id: int
    source_file: str
    rows_total: int = 0
    rows_loaded: int = 0
    rejects: list[Reject] = field(default_factory=list)
    #: (row number, message): rows loaded after a correction (a one-letter slip in a name)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    #: (methodology_code, period_id) pairs that got scores — the periods the next build recomputes
    periods: set[tuple[str, str]] = field(default_factory=set)


def read_aliases(seeds: Path) -> list[tuple[str, str]]:
    """``(alias, municipality_id)`` pairs of the seed ``municipality_aliases.csv`` (every row:
    a methodology's display names are accepted in any import)."""
    path = seeds / "municipality_aliases.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [(r["alias"], r["municipality_id"]) for r in csv.DictReader(fh) if r["alias"].strip()]


def _load_municipalities(cur, seeds: Path) -> MunicipalityNames:
    cur.execute("select municipality_id, region_code, name, municipality_type from reference.municipalities")
    rows = cur.fetchall()
    if not rows:
        raise ManualScoresFileError(
            "reference.municipalities is empty: load the reference data first (gospubliki warehouse init)"
        )
    return MunicipalityNames((Reference(*row) for row in rows), read_aliases(seeds))


def _points(text: str, maximum: Decimal) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"points must be a number, not {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"points must be a number, not {text!r}")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"points {text!r}: at most 2 decimals")
    if not Decimal(0) <= value <= maximum:
        raise ValueError(f"points {text!r} out of range: the criterion gives 0 to {maximum.normalize():f}")
    return value


def _check_row(row: dict, methodologies: dict[str, Methodology], municipalities: MunicipalityNames) -> dict:
    """Validate one CSV row; return the score record or raise ValueError(reason)."""
    clean = {k: (row.get(k) or "").strip() for k in COLUMNS}
    if missing := [c for c in REQUIRED_COLUMNS if not clean[c]]:
        raise ValueError(f"missing required value(s): {', '.join(missing)}")
    methodology = methodologies.get(clean["methodology_code"])
    if methodology is None:
        raise ValueError(
            f"unknown methodology {clean['methodology_code']!r} (known: {', '.join(sorted(methodologies))})"
        )
    try:
        period = parse_period(clean["period"], methodology.period_type)
    except MethodologyError as exc:
        raise ValueError(str(exc)) from None
    criterion = methodology.criterion(clean["criterion_code"])
    if criterion is None:
        raise ValueError(
            f"methodology {methodology.code!r} has no criterion {clean['criterion_code']!r} "
            f"(manual ones: {', '.join(c.criterion_code for c in methodology.manual_criteria) or 'none'})"
        )
    if criterion.kind != "manual":
        raise ValueError(
            f"criterion {criterion.criterion_code!r} of {methodology.code!r} is computed "
            "from page data, not manual"
        )
    region = clean["region_code"].zfill(2) if clean["region_code"] else ""
    match = municipalities.resolve(clean["municipality"], region)  # UnknownMunicipality is a ValueError
    return {
        "warning": match.warning,
        "methodology_code": methodology.code,
        "entity_id": match.municipality_id,
        "period_start": period.start,
        "period_id": period.period_id,
        "criterion_code": criterion.criterion_code,
        "points": _points(clean["points"], criterion.points),
        "comment": clean["comment"] or None,
    }


def import_manual_scores(
    csv_path: str | Path, url: str | None = None, *, seeds_dir: str | Path | None = None
) -> ManualImportReport:
    """Import expert scores from ``csv_path`` into ``registry.rating_manual_scores``.

    :param url: warehouse URL (default: the configured one).
    :param seeds_dir: where the methodology seeds are (default: the dbt project's ``seeds/``).
    :returns: the report (loaded rows, rejects with reasons, periods touched).
    :raises ManualScoresFileError: missing columns or no reference data (nothing is imported).
    """
    path = Path(csv_path)
    methodologies = load_methodologies(seeds_dir)
    seeds = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    db.apply_schema(url)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        if missing := [c for c in REQUIRED_COLUMNS if c not in header]:
            raise ManualScoresFileError(f"{path}: missing column(s) {', '.join(missing)}; found {header}")
        reader.fieldnames = header
        rows = list(reader)

    with db.connect(url) as conn, conn.cursor() as cur:
        municipalities = _load_municipalities(cur, seeds)
        cur.execute(
            "insert into registry.rating_manual_imports (source_file, rows_total) values (%s, %s) "
            "returning import_id",
            (str(path), len(rows)),
        )
        report = ManualImportReport(import_id=cur.fetchone()[0], source_file=str(path), rows_total=len(rows))
        scores: list[dict] = []
        seen: dict[tuple, int] = {}
        for number, row in enumerate(rows, start=1):
            try:
                score = _check_row(row, methodologies, municipalities)
                key = (
                    score["methodology_code"],
                    score["period_start"],
                    score["entity_id"],
                    score["criterion_code"],
                )
                if key in seen:
                    raise ValueError(
                        f"duplicate of row {seen[key]} (same methodology, period, municipality, criterion)"
                    )
            except ValueError as exc:
                report.rejects.append(Reject(number, dict(row), str(exc)))
                continue
            seen[key] = number
            scores.append(score)
            if score["warning"]:
                report.warnings.append((number, score["warning"]))
            report.periods.add((score["methodology_code"], score["period_id"]))
        if scores:
            execute_values(
                cur,
                """insert into registry.rating_manual_scores
                       (methodology_code, entity_id, period_start, criterion_code, points, comment, import_id)
                   values %s
                   on conflict (methodology_code, period_start, entity_id, criterion_code) do update
                      set points = excluded.points, comment = excluded.comment,
                          import_id = excluded.import_id, imported_at = now()""",
                [
                    (
                        s["methodology_code"],
                        s["entity_id"],
                        s["period_start"],
                        s["criterion_code"],
                        s["points"],
                        s["comment"],
                        report.import_id,
                    )
                    for s in scores
                ],
                page_size=1000,
            )
        db.copy_rows(
            cur,
            "registry.rating_manual_rejects",
            ["import_id", "row_number", "raw_row", "reason"],
            ((report.import_id, r.row_number, r.row, r.reason) for r in report.rejects),
        )
        report.rows_loaded = len(scores)
        cur.execute(
            "update registry.rating_manual_imports set rows_loaded = %s, rows_rejected = %s "
            "where import_id = %s",
            (report.rows_loaded, len(report.rejects), report.import_id),
        )
    log.info(
        "manual rating scores import %s: %d rows, %d loaded, %d rejected",
        report.import_id,
        report.rows_total,
        report.rows_loaded,
        len(report.rejects),
    )
    return report
