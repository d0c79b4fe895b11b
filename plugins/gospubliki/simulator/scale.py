"""The figures the simulated world reproduces, and the scale switch (one region or the country).

Figures come from the operator's presentation (``shared/domain.md``). How they are read:

* the **registry** lists every institution that must keep a page — the sector's *target*;
* *created* = institutions with at least one page; *to create* = target − created (these rows
  have blank links, a few carry an ``exemption_reason``);
* regional bodies and ОМСУ (``regional``, ``local``) are all created;
* the 8 sectors of the table sum to 59 866 created institutions while the headline says 65 000,
  so a 9th sector ``other`` (social protection, МФЦ, ЖКХ and other subordinate organisations)
  holds the remaining 5 134 created institutions and the remaining 7.1 M of the 61 M subscribers
  (its target, 8 500, is our assumption);
* pages per created institution (1–3 across VK/OK/Telegram) average 89 000 / 65 000 ≈ 1.37,
  more for public bodies than for schools;
* 50 M of the 61 M subscribers are in VK/OK pages connected to «Госпаблики».

At **region** scale the population-proportional sectors (schools … other) are multiplied by
``REGION_FACTOR`` (3.0) so that the default region (Кировская, 0.78 % of the population) has about
2 000 pages and a meaningful demo; structural sectors (regional bodies, one ОМСУ per municipality)
are not multiplied. Federal bodies exist only at national scale (in Москва).
"""

from __future__ import annotations

from dataclasses import dataclass

from gospubliki.errors import BadValue
from gospubliki.reference.catalog import read_regions


@dataclass(frozen=True)
class SectorFigures:
    code: str
    title: str
    target: int  # institutions that must keep a page
    created: int  # institutions with >= 1 page
    subscribers: int  # sum over the sector's pages
    mean_pages: float  # pages per created institution (our assumption; sums to ~89 000)
    level_shares: tuple[tuple[str, float], ...]  # level -> share of institutions
    presented_to_create: int | None = None  # as printed (culture: 25 500, although 39 500 − 13 700 = 25 800)

    @property
    def to_create(self) -> int:
        return self.target - self.created


SECTORS: tuple[SectorFigures, ...] = (
    SectorFigures("federal", "Федеральные органы власти", 66, 66, 6_700_000, 2.70, (("federal", 1.0),)),
    SectorFigures(
        "regional", "Региональные органы власти", 1_200, 1_200, 12_200_000, 2.45, (("regional", 1.0),)
    ),
    SectorFigures(
        "local", "Органы местного самоуправления", 2_200, 2_200, 12_500_000, 2.35, (("municipal", 1.0),)
    ),
    SectorFigures(
        "school", "Школы", 38_500, 21_600, 6_800_000, 1.27, (("municipal", 0.92), ("regional", 0.08)), 16_900
    ),
    SectorFigures(
        "hospital",
        "Больницы и поликлиники",
        8_300,
        4_300,
        2_800_000,
        1.42,
        (("regional", 0.85), ("municipal", 0.15)),
        4_000,
    ),
    SectorFigures(
        "kindergarten",
        "Детские сады",
        33_500,
        14_300,
        1_500_000,
        1.22,
        (("municipal", 0.97), ("regional", 0.03)),
        19_200,
    ),
    SectorFigures(
        "culture",
        "Культура",
        39_500,
        13_700,
        8_900_000,
        1.44,
        (("municipal", 0.80), ("regional", 0.20)),
        25_500,
    ),
    SectorFigures(
        "sport", "Спорт", 8_800, 2_500, 2_500_000, 1.29, (("municipal", 0.65), ("regional", 0.35)), 6_300
    ),
    SectorFigures(
        "other",
        "Прочие подведомственные организации",
        8_500,
        5_134,
        7_100_000,
        1.35,
        (("regional", 0.5), ("municipal", 0.5)),
    ),
)
SECTOR_BY_CODE = {s.code: s for s in SECTORS}
GOVERNMENT_SECTORS = ("federal", "regional", "local")
STRUCTURAL_SECTORS = ("federal", "regional", "local")  # counts do not follow population


@dataclass(frozen=True)
class Headline:
    institutions: int = 65_000
    pages: int = 89_000
    subscribers: int = 61_000_000
    posts_per_week: int = 48_000
    connected_subscribers: int = 50_000_000


HEADLINE = Headline()
REGION_FACTOR = 3.0
DEFAULT_REGION = "43"
FEDERAL_SEAT = "77"  # federal bodies are registered in Москва


@dataclass(frozen=True)
class Scale:
    """Which part of the country the world covers and how big it is.

    :param name: ``region`` or ``national``.
    :param regions: region codes covered.
    :param proportional_factor: multiplier of the population-proportional sectors.
    :param structural_factor: multiplier of regional bodies, federal bodies and the number of
        synthetic municipalities (1 except for a shrunken national world in tests).
    """

    name: str
    regions: tuple[str, ...]
    proportional_factor: float
    structural_factor: float = 1.0

    @classmethod
    def from_name(cls, name: str, *, region: str = DEFAULT_REGION, factor: float | None = None) -> Scale:
        """``Scale.from_name("region", region="43")`` (factor default 3.0) or
        ``Scale.from_name("national")`` (factor default 1.0; e.g. 0.05 shrinks the whole country
        for fast tests)."""
        codes = [r.region_code for r in read_regions()]
        if name == "region":
            if region not in codes:
                raise BadValue(f"unknown region code {region!r}")
            return cls("region", (region,), REGION_FACTOR if factor is None else factor, 1.0)
        if name == "national":
            f = 1.0 if factor is None else factor
            return cls("national", tuple(codes), f, f)
        raise BadValue(f"unknown scale {name!r}: use 'region' or 'national'")

    @property
    def is_national(self) -> bool:
        return self.name == "national"
