"""Import the registry of institutions and pages from CSV.

The file is the whole registry: an import replaces the previous institutions and pages in one
transaction. Every row is checked on its own; a row that fails goes to ``registry.rejects`` with
the reason and the valid rows load (a bad row never blocks the others). Reference data (regions,
municipalities) must be loaded first (``gospubliki.reference.load.load_reference``).
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from gospubliki.registry.links import NORMALIZERS, BadLink, PageRef
from gospubliki.registry.model import COLUMNS, LEVELS, LINK_COLUMNS, NETWORKS, REQUIRED_COLUMNS, SECTORS
from gospubliki.warehouse import db

log = logging.getLogger(__name__)


class RegistryFileError(ValueError):
    """The file as a whole cannot be imported (missing columns, not CSV)."""


@dataclass
class Reject:
    row_number: int
    row: dict
    reason: str


@dataclass
class ImportReport:
    import_id: int
    source_file: str
    rows_total: int = 0
    institutions: int = 0
    pages_by_network: dict[str, int] = field(default_factory=lambda: {n: 0 for n in NETWORKS})
    rejects: list[Reject] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(self.pages_by_network.values())


@dataclass
class _Reference:
    regions: set[str]
    municipalities: dict[tuple[str, str], str]  # (region_code, normalised 'name type' or id) -> id


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().replace("ё", "е"))


def _load_reference(cur) -> _Reference:
    cur.execute("select region_code from reference.regions")
    regions = {r[0] for r in cur.fetchall()}
    cur.execute("select municipality_id, region_code, name, municipality_type from reference.municipalities")
    munis: dict[tuple[str, str], str] = {}
    for mid, region, name, mtype in cur.fetchall():
        munis[(region, _norm(mid))] = mid
        munis[(region, _norm(f"{name} {mtype}"))] = mid
    if not regions:
        raise RegistryFileError("reference.regions is empty: load the reference data first (gospubliki registry import does)")
    return _Reference(regions, munis)


def _check_row(row: dict, ref: _Reference) -> tuple[dict, list[tuple[PageRef, str, bool]]]:
    """Validate one CSV row; return the institution record and its pages, or raise ValueError(reason)."""
    clean = {k: (row.get(k) or "").strip() for k in COLUMNS}
    missing = [c for c in REQUIRED_COLUMNS if not clean[c]]
    if missing:
        raise ValueError(f"missing required value(s): {', '.join(missing)}")
    if clean["sector"] not in SECTORS:
        raise ValueError(f"unknown sector {clean['sector']!r} (expected one of: {', '.join(SECTORS)})")
    if clean["level"] not in LEVELS:
        raise ValueError(f"unknown level {clean['level']!r} (expected one of: {', '.join(LEVELS)})")
    region = clean["region_code"].zfill(2)
    if region not in ref.regions:
        raise ValueError(f"unknown region code {clean['region_code']!r}")
    municipality_id = None
    if clean["municipality"]:
        municipality_id = ref.municipalities.get((region, _norm(clean["municipality"])))
        if municipality_id is None:
            raise ValueError(f"unknown municipality {clean['municipality']!r} in region {region}")
    elif clean["level"] == "municipal":
        raise ValueError("municipal institution without a municipality")
    if clean["ogrn"] and not re.fullmatch(r"\d{13}|\d{15}", clean["ogrn"]):
        raise ValueError(f"ОГРН must be 13 or 15 digits: {clean['ogrn']!r}")
    if clean["inn"] and not re.fullmatch(r"\d{10}|\d{12}", clean["inn"]):
        raise ValueError(f"ИНН must be 10 or 12 digits: {clean['inn']!r}")
    connected = {n.strip().lower() for n in re.split(r"[;,\s]+", clean["connected_networks"]) if n.strip()}
    if unknown := connected - set(NETWORKS):
        raise ValueError(f"unknown network(s) in connected_networks: {', '.join(sorted(unknown))}")
    pages = []
    for column, network in LINK_COLUMNS.items():
        if clean[column]:
            try:
                page = NORMALIZERS[network](clean[column])
            except BadLink as exc:
                raise ValueError(f"bad link in {column}: {exc}") from None
            pages.append((page, clean[column], network in connected))
    institution = {
        "institution_id": clean["institution_id"],
        "name": clean["name"],
        "ogrn": clean["ogrn"] or None,
        "inn": clean["inn"] or None,
        "sector": clean["sector"],
        "level": clean["level"],
        "region_code": region,
        "municipality_id": municipality_id,
        "exemption_reason": clean["exemption_reason"] or None,
    }
    return institution, pages


def import_registry(path: str | Path, url: str | None = None) -> ImportReport:
    """Import a registry CSV, replacing the current registry; rejected rows are kept with reasons."""
    path = Path(path)
    db.apply_schema(url)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise RegistryFileError(f"{path}: missing column(s) {', '.join(missing)}; found {header}")
        reader.fieldnames = header
        rows = list(reader)

    with db.connect(url) as conn, conn.cursor() as cur:
        ref = _load_reference(cur)
        cur.execute(
            "insert into registry.imports (source_file, rows_total) values (%s, %s) returning import_id",
            (str(path), len(rows)),
        )
        report = ImportReport(import_id=cur.fetchone()[0], source_file=str(path), rows_total=len(rows))
        institutions, pages, seen_ids, page_owner = [], [], set(), {}
        for number, row in enumerate(rows, start=1):
            try:
                inst, inst_pages = _check_row(row, ref)
                if inst["institution_id"] in seen_ids:
                    raise ValueError(f"duplicate institution_id {inst['institution_id']!r}")
                keys = [p.key for p, _, _ in inst_pages]
                if len(set(keys)) != len(keys):
                    raise ValueError("the same page is listed twice for this institution")
                for key in keys:
                    if key in page_owner:
                        raise ValueError(f"page {key} already belongs to institution {page_owner[key]!r}")
            except ValueError as exc:
                report.rejects.append(Reject(number, dict(row), str(exc)))
                continue
            seen_ids.add(inst["institution_id"])
            institutions.append(inst)
            for page, link, connected in inst_pages:
                page_owner[page.key] = inst["institution_id"]
                pages.append((page.key, page.network, page.ref, link, connected, inst["institution_id"]))
                report.pages_by_network[page.network] += 1
        report.institutions = len(institutions)

        cur.execute("delete from registry.pages")
        cur.execute("delete from registry.institutions")
        inst_cols = ["institution_id", "name", "ogrn", "inn", "sector", "level", "region_code",
                     "municipality_id", "exemption_reason", "import_id"]
        db.copy_rows(cur, "registry.institutions", inst_cols,
                     ([*(i[c] for c in inst_cols[:-1]), report.import_id] for i in institutions))
        db.copy_rows(cur, "registry.pages",
                     ["page_key", "network", "page_ref", "url", "is_connected", "institution_id", "import_id"],
                     ((*p, report.import_id) for p in pages))
        db.copy_rows(cur, "registry.rejects", ["import_id", "row_number", "raw_row", "reason"],
                     ((report.import_id, r.row_number, r.row, r.reason) for r in report.rejects))
        cur.execute(
            "update registry.imports set rows_loaded = %s, rows_rejected = %s where import_id = %s",
            (report.institutions, len(report.rejects), report.import_id),
        )
    log.info("registry import %s: %d rows, %d institutions, %d pages, %d rejected",
             report.import_id, report.rows_total, report.institutions, report.pages, len(report.rejects))
    return report
