"""How many institutions of each sector each region (and municipality) gets, and the synthetic
municipalities of regions without a shipped list. Counts follow ``scale.py``; every allocation is
a largest-remainder split, so totals are exact."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from gospubliki.reference.catalog import Municipality, read_municipalities, read_regions
from gospubliki.simulator.scale import FEDERAL_SEAT, SECTORS, Scale
from gospubliki.simulator.seeding import lognormal_unit_mean, rng

FEDERAL_CITIES = ("77", "78", "92")  # their municipalities are intra-city (treated as м.о.)
_SYNTHETIC_KINDS = {  # type -> (name, genitive, slug)
    "г.о.": ("Городской округ", "городского округа", "go"),
    "м.р.": ("Муниципальный район", "муниципального района", "mr"),
    "м.о.": ("Муниципальный округ", "муниципального округа", "mo"),
}


def largest_remainder(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights``, each at least ``minimum``
    (the sum exceeds ``total`` only if ``minimum * len(weights)`` does)."""
    if not weights:
        return []
    rest = max(total - minimum * len(weights), 0)
    wsum = sum(weights) or 1.0
    exact = [rest * w / wsum for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


@cache
def _local_counts(structural_factor: float) -> dict[str, int]:
    """Number of top-level municipalities (= ОМСУ institutions) per region, over all regions."""
    regions = read_regions()
    shipped: dict[str, int] = {}
    for m in read_municipalities():
        shipped[m.region_code] = shipped.get(m.region_code, 0) + 1
    others = [r for r in regions if r.region_code not in shipped]
    total = round(2_200 * structural_factor) - sum(shipped.values())
    split = largest_remainder(total, [math.sqrt(r.population) for r in others], minimum=1)
    return shipped | {r.region_code: n for r, n in zip(others, split, strict=True)}


def municipalities_of(region_code: str, structural_factor: float = 1.0) -> tuple[Municipality, ...]:
    """The shipped municipalities of a region, or synthetic ones (deterministic per region, not
    per seed: they are reference data) whose populations sum to the region's."""
    shipped = tuple(m for m in read_municipalities() if m.region_code == region_code)
    if shipped:
        return shipped
    region = next(r for r in read_regions() if r.region_code == region_code)
    n = _local_counts(structural_factor)[region_code]
    r = rng("municipalities", region_code, n)
    if region_code in FEDERAL_CITIES:
        types = ["м.о."] * n
    else:
        n_go = max(1, round(n * 0.15))
        types = ["г.о."] * n_go + [("м.р.", "м.о.")[r.random() < 0.5] for _ in range(n - n_go)]
    weights = [
        (4.0 if t == "г.о." else 1.0) * lognormal_unit_mean(r.random(), r.random(), 0.6) for t in types
    ]
    pops = largest_remainder(region.population - 500 * n, weights)
    out = []
    for i, (t, pop) in enumerate(zip(types, pops, strict=True), start=1):
        name, genitive, slug = _SYNTHETIC_KINDS[t]
        out.append(
            Municipality(
                municipality_id=f"{region_code}-{slug}-{i}",
                region_code=region_code,
                name=f"{name} № {i}",
                municipality_type=t,
                population=pop + 500,
                name_genitive=f"{genitive} № {i}",
                is_synthetic=True,
            )
        )
    return tuple(out)


def sector_counts(scale: Scale) -> dict[str, dict[str, int]]:
    """``{region_code: {sector: institutions in the registry}}`` for the regions of ``scale``."""
    regions = read_regions()
    pop_total = sum(r.population for r in regions)
    in_world = [r for r in regions if r.region_code in scale.regions]
    pop_world = sum(r.population for r in in_world)
    counts: dict[str, dict[str, int]] = {r.region_code: {} for r in in_world}
    regional_all = largest_remainder(
        round(1_200 * scale.structural_factor),
        [0.5 / len(regions) + 0.5 * r.population / pop_total for r in regions],
    )
    regional = {r.region_code: n for r, n in zip(regions, regional_all, strict=True)}
    local = _local_counts(scale.structural_factor)
    for s in SECTORS:
        if s.code == "federal":
            values = [
                round(s.target * scale.structural_factor)
                if scale.is_national and r.region_code == FEDERAL_SEAT
                else 0
                for r in in_world
            ]
        elif s.code == "regional":
            values = [regional[r.region_code] for r in in_world]
        elif s.code == "local":
            values = [local[r.region_code] for r in in_world]
        else:
            total = round(s.target * scale.proportional_factor * pop_world / pop_total)
            values = largest_remainder(total, [r.population for r in in_world])
        for r, v in zip(in_world, values, strict=True):
            counts[r.region_code][s.code] = v
    return counts
