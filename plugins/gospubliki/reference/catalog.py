"""Reading the reference CSV files (``data/``) into dataclasses.

See ``README.md`` in this folder for the code list and the sources of the figures.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
REGIONS_CSV = DATA / "regions.csv"
MUNICIPALITIES_CSV = DATA / "municipalities.csv"

MUNICIPALITY_TYPES = ("г.о.", "м.о.", "м.р.", "ЗАТО")


@dataclass(frozen=True)
class Region:
    """A federal subject. ``region_code`` follows the tax service list (README.md)."""

    region_code: str
    name: str
    name_genitive: str
    federal_district: str
    population: int
    population_source: str


@dataclass(frozen=True)
class Municipality:
    """A top-level municipal formation (city/municipal okrug, municipal district, ЗАТО)."""

    municipality_id: str
    region_code: str
    name: str
    municipality_type: str
    population: int
    name_genitive: str = ""
    is_synthetic: bool = False

    @property
    def display_name(self) -> str:
        """The name as published ratings show it: ``Котельничский м.р.``, ``ЗАТО Первомайский``."""
        if self.municipality_type == "ЗАТО":
            return f"ЗАТО {self.name}"
        return f"{self.name} {self.municipality_type}"


@cache
def read_regions(path: Path = REGIONS_CSV) -> tuple[Region, ...]:
    """All federal subjects, ordered by code."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [
            Region(
                region_code=r["region_code"],
                name=r["name"],
                name_genitive=r["name_genitive"],
                federal_district=r["federal_district"],
                population=int(r["population"]),
                population_source=r["population_source"],
            )
            for r in csv.DictReader(f)
        ]
    return tuple(sorted(rows, key=lambda r: r.region_code))


@cache
def read_municipalities(path: Path = MUNICIPALITIES_CSV) -> tuple[Municipality, ...]:
    """The municipalities shipped as data (not synthetic), in file order."""
    with open(path, encoding="utf-8", newline="") as f:
        return tuple(
            Municipality(
                municipality_id=r["municipality_id"],
                region_code=r["region_code"],
                name=r["name"],
                municipality_type=r["municipality_type"],
                population=int(r["population"]),
                name_genitive=r["name_genitive"],
            )
            for r in csv.DictReader(f)
        )


def regions_by_code() -> dict[str, Region]:
    return {r.region_code: r for r in read_regions()}
