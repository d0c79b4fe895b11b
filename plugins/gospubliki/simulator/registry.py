"""The registry CSV of a simulated world (the input format of ``docs/architecture.md``), with
optional deliberately malformed rows, and the synthetic municipalities for the reference loader.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from gospubliki.reference.catalog import Municipality
from gospubliki.simulator.seeding import unit
from gospubliki.simulator.world import World

COLUMNS = (
    "institution_id",
    "name",
    "ogrn",
    "inn",
    "sector",
    "level",
    "region_code",
    "municipality",
    "vk_url",
    "ok_url",
    "telegram_url",
    "connected_networks",
    "exemption_reason",
)
URL_COLUMN = {"vk": "vk_url", "ok": "ok_url", "tg": "telegram_url"}

# kind -> what is wrong with the row (each appended bad row is a different kind, in this order)
BAD_ROW_KINDS = (
    "unknown_sector",
    "unknown_municipality",
    "bad_link",
    "duplicate_institution_id",
    "unknown_region",
    "page_owned_by_other",
    "unknown_level",
    "missing_name",
)


def _municipality_ref(world: World, m: Municipality, institution_id: str) -> str:
    """``name type`` (``Котельничский м.р.``, ``Первомайский ЗАТО``) or, for one row in five, the id."""
    if unit(world.seed, "muni-ref", institution_id) < 0.2:
        return m.municipality_id
    return f"{m.name} {m.municipality_type}"


def registry_rows(world: World) -> Iterator[dict[str, str]]:
    """One row per institution of the world (valid rows only), in world order."""
    munis = {m.municipality_id: m for m in world.municipalities}
    for inst in world.institutions:
        pages = world.pages_of(inst.institution_id)
        row = {c: "" for c in COLUMNS}
        row.update(
            institution_id=inst.institution_id,
            name=inst.name,
            ogrn=inst.ogrn or "",
            inn=inst.inn or "",
            sector=inst.sector,
            level=inst.level,
            region_code=inst.region_code,
            municipality=_municipality_ref(world, munis[inst.municipality_id], inst.institution_id)
            if inst.municipality_id
            else "",
            connected_networks=";".join(p.network for p in pages if p.connected),
            exemption_reason=inst.exemption_reason or "",
        )
        for p in pages:
            row[URL_COLUMN[p.network]] = p.link
        yield row


def malformed_rows(world: World, n: int) -> list[dict[str, str]]:
    """``n`` malformed rows, each of a different kind (``BAD_ROW_KINDS``), built from a valid
    municipal institution so that each row has exactly one thing wrong."""
    if n > len(BAD_ROW_KINDS):
        raise ValueError(f"at most {len(BAD_ROW_KINDS)} bad rows (one per kind), asked for {n}")
    rows = list(registry_rows(world))
    base = next(r for r in rows if r["level"] == "municipal" and r["vk_url"])
    other_page = next(r["vk_url"] for r in reversed(rows) if r["vk_url"])
    out = []
    for i, kind in enumerate(BAD_ROW_KINDS[:n], start=1):
        row = base | {
            "institution_id": f"bad-{i}-{kind}",
            "vk_url": "",
            "ok_url": "",
            "telegram_url": "",
            "connected_networks": "",
            "ogrn": "",
            "inn": "",
        }
        if kind == "unknown_sector":
            row["sector"] = "ministry_of_magic"
        elif kind == "unknown_municipality":
            row["municipality"] = "Несуществующий м.р."
        elif kind == "bad_link":
            row["vk_url"] = "https://vk.com/"
        elif kind == "duplicate_institution_id":
            row["institution_id"] = base["institution_id"]
        elif kind == "unknown_region":
            row["region_code"] = "99"
        elif kind == "page_owned_by_other":
            row["vk_url"] = other_page
        elif kind == "unknown_level":
            row["level"] = "county"
        elif kind == "missing_name":
            row["name"] = ""
        out.append(row)
    return out


def write_registry_csv(path: str | Path, world: World, *, bad_rows: int = 0) -> int:
    """Write the registry CSV (UTF-8, header) and return the number of data rows written,
    ``bad_rows`` malformed ones included (appended at the end)."""
    malformed = malformed_rows(world, bad_rows)
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in (*registry_rows(world), *malformed):
            writer.writerow(row)
            n += 1
    return n


def synthetic_municipalities(world: World) -> list[Municipality]:
    """The generated municipalities of the world (national scale), for ``load_reference``."""
    return [m for m in world.municipalities if m.is_synthetic]


def write_municipalities_csv(path: str | Path, municipalities: Iterable[Municipality]) -> int:
    """Municipalities in the shape of ``reference/data/municipalities.csv`` plus ``is_synthetic``."""
    cols = (
        "municipality_id",
        "region_code",
        "name",
        "municipality_type",
        "name_genitive",
        "population",
        "is_synthetic",
    )
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for m in municipalities:
            w.writerow(
                [
                    m.municipality_id,
                    m.region_code,
                    m.name,
                    m.municipality_type,
                    m.name_genitive,
                    m.population,
                    "true" if m.is_synthetic else "false",
                ]
            )
            n += 1
    return n
