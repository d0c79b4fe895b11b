"""Import the registry of institutions and pages from CSV.

The file is the whole registry: an import replaces the previous institutions and pages in one
transaction. Every row is checked on its own; a row that fails goes to ``registry.rejects`` with
its row number and the reason, and the valid rows load (a bad row never blocks the others).
Reference data (regions, municipalities) must be loaded first
(``gospubliki.reference.load.load_reference``).

A registry is never replaced by a worse one by accident (:class:`RegistryRefused`, nothing
changes): a file that gives no valid institution is refused; so is one that would shrink the
registry — its institutions, or its pages of any network — by more than
``GOSPUBLIKI_REGISTRY_MAX_SHRINK`` (20 %) unless ``allow_shrink``; with ``strict`` any rejected
row refuses the whole file. The encoding is detected (:func:`decode_registry`): UTF-8 with or
without BOM, UTF-16 with BOM, and the Cyrillic code pages of Russian spreadsheet exports
(Windows-1251 first).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from gospubliki import settings
from gospubliki.errors import UserError
from gospubliki.registry.links import NORMALIZERS, BadLink, PageRef
from gospubliki.registry.model import COLUMNS, LEVELS, LINK_COLUMNS, NETWORKS, REQUIRED_COLUMNS, SECTORS
from gospubliki.warehouse import db

log = logging.getLogger(__name__)


#: longest value a cell may hold; longer ones are a broken export (a whole file in one cell)
MAX_CELL_CHARS = 2_000
#: what a rejected row keeps of a long cell in ``registry.rejects.raw_row``
_KEEP_CHARS = 200
#: BOMs, longest first (the UTF-32 LE BOM starts with the UTF-16 LE one)
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
#: encodings tried when the file is neither marked (BOM) nor UTF-8: Russian spreadsheet exports
_LEGACY_ENCODINGS = ["cp1251", "koi8_r", "cp866", "mac_cyrillic", "utf_16_le", "utf_16_be"]


class RegistryFileError(UserError, ValueError):
    """The file as a whole cannot be imported (missing columns, unknown encoding, not CSV)."""


class RegistryRefused(UserError):
    """The file was read but importing it would leave a worse registry; nothing was changed."""

    def __init__(self, message: str, report: ImportReport):
        super().__init__(message)
        self.report = report


@dataclass
class Reject:
    row_number: int  # the N-th data row (the header not counted): line N + 1 of a spreadsheet
    row: dict
    reason: str


@dataclass
class ImportReport:
    import_id: int
    source_file: str
    rows_total: int = 0
    encoding: str = "UTF-8"
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


def decode_registry(data: bytes, name: str) -> tuple[str, str]:
    """The file's text and its encoding: a BOM says it; else strict UTF-8; else the best of the
    Cyrillic code pages by charset-normalizer (Windows-1251, Excel's «CSV» in Russian Windows,
    when it fits at all: short files fit several code pages equally well)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding.removesuffix("-sig")), encoding.upper()
            except UnicodeDecodeError as exc:
                raise RegistryFileError(f"{name}: starts with a {encoding} mark but is not {encoding}: {exc}") from None
    try:
        text = data.decode("utf-8")
        if text.count("\x00") * 4 < len(text):  # else: Latin text in UTF-16 without its mark, left to the detector
            return text, "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    fits = [m.encoding for m in from_bytes(data, cp_isolation=_LEGACY_ENCODINGS)]
    if not fits:
        raise RegistryFileError(
            f"{name}: cannot tell the file's encoding (tried UTF-8, UTF-16, Windows-1251, KOI8-R, CP866): "
            "save it as «CSV UTF-8»"
        )
    encoding = "cp1251" if "cp1251" in fits else fits[0]
    return data.decode(encoding), encoding.upper().replace("_", "-")


def _bad_cells(row: dict) -> str | None:
    """Why the row's cells cannot be values at all (NUL byte, runaway length, a NULL marker)."""
    for column in COLUMNS:
        value = row.get(column)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            return f"NUL byte in {column} (a binary file, or UTF-16 saved without its mark?)"
        if len(value) > MAX_CELL_CHARS:
            return f"{column} is {len(value):,} characters long (at most {MAX_CELL_CHARS:,}): a broken export?"
        if value.strip() in ("\\N", "NULL"):
            return f"{column} is '{value.strip()}', a NULL marker of a database export, not a value"
    return None


def _printable(row: dict) -> dict:
    """The row as kept in ``registry.rejects``: JSON-safe (no NUL) and short."""

    def cell(value):
        if isinstance(value, list):
            return [cell(v) for v in value]
        if not isinstance(value, str):
            return value
        value = value.replace("\x00", "\\x00")
        return value if len(value) <= _KEEP_CHARS else f"{value[:_KEEP_CHARS]}… ({len(value):,} characters)"

    return {("_extra" if k is None else cell(k)): cell(v) for k, v in row.items()}


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


def read_registry_file(path: Path) -> tuple[list[dict], str]:
    """The data rows of the CSV (header checked) and the encoding it was read in."""
    text, encoding = decode_registry(path.read_bytes(), str(path))
    # the csv module's default cell limit (128 KiB) would stop the whole file at one runaway cell:
    # lift it to the file's size and reject such a row by itself (MAX_CELL_CHARS)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [(h or "").strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            found = f"found {header}" if header else "the file is empty"
            raise RegistryFileError(f"{path}: missing column(s) {', '.join(missing)} ({encoding}); {found}")
        reader.fieldnames = header
        rows = list(reader)
    except csv.Error as exc:
        raise RegistryFileError(f"{path}: not a CSV file near line {reader.line_num}: {exc}") from None
    return rows, encoding


def _refusal(report: ImportReport, old: dict[str, int], allow_shrink: bool, strict: bool) -> str | None:
    """Why this import must not replace the registry (``None``: it may)."""
    rejected = len(report.rejects)
    if report.institutions == 0:
        what = "has no data rows" if report.rows_total == 0 else f"has no valid row ({rejected} rejected)"
        return f"{report.source_file} {what}: the registry was not replaced"
    if strict and rejected:
        return f"--strict: {rejected} of {report.rows_total} rows rejected: the registry was not replaced"
    if allow_shrink:
        return None
    limit = settings.registry_max_shrink()
    new = {"institutions": report.institutions, **{f"{n} pages": c for n, c in report.pages_by_network.items()}}
    for what, before in old.items():
        after = new[what]
        if before and (before - after) / before > limit:
            return (
                f"the file would shrink the registry from {before} to {after} {what} "
                f"(−{(before - after) / before:.0%}, more than the {limit:.0%} allowed): the registry was "
                "not replaced; check the file, or import it with --allow-shrink"
            )
    return None


def _current_sizes(cur) -> dict[str, int]:
    cur.execute("select count(*) from registry.institutions")
    sizes = {"institutions": cur.fetchone()[0]}
    cur.execute("select network, count(*) from registry.pages group by network")
    counts = dict(cur.fetchall())
    sizes.update({f"{n} pages": counts.get(n, 0) for n in NETWORKS})
    return sizes


def import_registry(
    path: str | Path, url: str | None = None, *, allow_shrink: bool = False, strict: bool = False
) -> ImportReport:
    """Import a registry CSV, replacing the current registry; rejected rows are kept with reasons.

    :raises RegistryFileError: the file cannot be read as a registry (encoding, columns).
    :raises RegistryRefused: importing it would leave an empty or much smaller registry (unless
        ``allow_shrink``), or ``strict`` and a row was rejected; the registry is unchanged.
    """
    path = Path(path)
    db.apply_schema(url)
    rows, encoding = read_registry_file(path)

    with db.connect(url) as conn, conn.cursor() as cur:
        ref = _load_reference(cur)
        cur.execute("lock table registry.institutions, registry.pages in exclusive mode")
        old = _current_sizes(cur)
        cur.execute(
            "insert into registry.imports (source_file, rows_total) values (%s, %s) returning import_id",
            (str(path), len(rows)),
        )
        report = ImportReport(
            import_id=cur.fetchone()[0], source_file=str(path), rows_total=len(rows), encoding=encoding
        )
        institutions, pages, seen_ids, page_owner = [], [], set(), {}
        for number, row in enumerate(rows, start=1):
            try:
                if reason := _bad_cells(row):
                    raise ValueError(reason)
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
                report.rejects.append(Reject(number, _printable(row), str(exc)))
                continue
            seen_ids.add(inst["institution_id"])
            institutions.append(inst)
            for page, link, connected in inst_pages:
                page_owner[page.key] = inst["institution_id"]
                pages.append((page.key, page.network, page.ref, link, connected, inst["institution_id"]))
                report.pages_by_network[page.network] += 1
        report.institutions = len(institutions)
        if refusal := _refusal(report, old, allow_shrink, strict):
            raise RegistryRefused(refusal, report)  # rolls the transaction back: nothing changed

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
    log.info("registry import %s (%s): %d rows, %d institutions, %d pages, %d rejected",
             report.import_id, encoding, report.rows_total, report.institutions, report.pages, len(report.rejects))
    return report
