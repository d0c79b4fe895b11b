"""Generation of the world's institutions and pages (deterministic from the seed and scale).

Each (region, sector) draws from its own hash-seeded ``random.Random``; sizes are then
normalised so that sector subscribers, posts per week and connected subscribers hit the figures
of ``scale.py`` exactly (in expectation for posts)."""

from __future__ import annotations

import bisect
import itertools
from datetime import date, timedelta

from gospubliki.reference.catalog import Municipality, Region, read_regions
from gospubliki.simulator import names
from gospubliki.simulator.allocation import municipalities_of, sector_counts
from gospubliki.simulator.identifiers import Identifiers, inn_with_check_digit, ogrn, registry_link
from gospubliki.simulator.model import Institution, Page
from gospubliki.simulator.scale import (
    GOVERNMENT_SECTORS,
    HEADLINE,
    SECTOR_BY_CODE,
    SECTORS,
    Scale,
    SectorFigures,
)
from gospubliki.simulator.seeding import lognormal_unit_mean, rng, unit

EARLIEST_PAGE = date(2015, 1, 1)
MANDATE = date(2022, 12, 1)  # 270-ФЗ: official pages are obligatory
NETWORK_SIZE = {"vk": 1.0, "ok": 0.6, "tg": 0.5}
MIN_ACTIVE_PER_DAY = 3 / 7


def _place_slug(m: Municipality | None, region: Region) -> str:
    if m is None:
        return f"r{region.region_code}"
    slug = m.municipality_id.split("-", 1)[1].replace("-", "_")
    return f"{slug}_{region.region_code}" if m.is_synthetic else slug


def _networks(sector: SectorFigures, r) -> list[str]:
    """0–3 networks; the mean count per created institution is ``sector.mean_pages``."""
    m = sector.mean_pages
    if m <= 2:
        p3 = (m - 1) * 0.15
        p2 = (m - 1) - 2 * p3
    else:
        p1 = 0.05
        p3 = m - 2 + p1
        p2 = 1 - p1 - p3
    u = r.random()
    if u < p3:
        return ["vk", "ok", "tg"]
    if u < p3 + p2:
        v = r.random()
        return ["vk", "ok"] if v < 0.65 else (["vk", "tg"] if v < 0.95 else ["ok", "tg"])
    v = r.random()
    return ["vk"] if v < 0.92 else (["ok"] if v < 0.97 else ["tg"])


def _page(
    network: str, inst: Institution, base: str, size: float, ids: Identifiers, base_date: date, r
) -> Page:
    gov = inst.sector in GOVERNMENT_SECTORS
    page_id = ids.new_id(network)
    page_type = "page" if r.random() < 0.55 else "group"
    u = r.random()
    state = "deleted" if u < 0.012 else "banned" if u < 0.018 else "private" if u < 0.038 else "active"
    if state == "private" and network == "vk":
        page_type = "group"
    custom = r.random() < (0.9 if gov else 0.65) or network == "tg"
    if network == "vk":
        screen = (
            ids.new_screen_name("vk", base)
            if custom
            else f"{'public' if page_type == 'page' else 'club'}{page_id}"
        )
    elif network == "ok":
        screen = ids.new_screen_name("ok", base) if custom else ""
    else:
        suffix = "" if r.random() < 0.5 else "_official"
        if len(base + suffix) < 5:  # Telegram usernames have at least 5 characters ('mvd' is not one)
            suffix = "_official"
        screen = ids.new_screen_name("tg", base + suffix)
    first = r.uniform(0, 1)
    created = (
        EARLIEST_PAGE + timedelta(days=int(first * (MANDATE - EARLIEST_PAGE).days))
        if r.random() < 0.5
        else MANDATE + timedelta(days=int(first * ((base_date - MANDATE).days - 60)))
    )
    verified_p = {"vk": 0.9 if gov else 0.55, "ok": 0.3, "tg": 0.05}[network]
    active_p, occasional_p = (0.30, 0.40) if gov else (0.05, 0.25)
    c = r.random()
    rate_week = (
        r.uniform(4, 9)
        if c < active_p
        else r.uniform(0.7, 1.5)
        if c < active_p + occasional_p
        else r.uniform(0.02, 0.3 if gov else 0.1)
    )
    alive = state not in ("deleted", "banned")
    return Page(
        network=network,
        page_id=page_id,
        screen_name=screen,
        has_custom_name=custom,
        link=registry_link(network, page_id, screen, custom, page_type, r),
        institution_id=inst.institution_id,
        sector=inst.sector,
        name=inst.name,
        page_type=page_type,
        state=state,
        verified=r.random() < verified_p,
        has_description=r.random() < (0.97 if gov else 0.85),
        has_cover=r.random() < (0.9 if gov else 0.6),
        has_avatar=r.random() < (0.99 if gov else 0.93),
        created=created,
        pinned=r.random() < 0.15,
        post_id_base=r.randrange(0, 400),
        growth_per_day=r.uniform(-0.0002, 0.0004),
        weight=(lognormal_unit_mean(r.random(), r.random(), 1.3) * NETWORK_SIZE[network] * size)
        if alive
        else 0.0,
        posts_per_day=(rate_week / 7) if alive else 0.0,
    )


def _institutions(
    region: Region,
    munis: tuple[Municipality, ...],
    sector: SectorFigures,
    n: int,
    seed: int,
    ids: Identifiers,
    base_date: date,
    pages: list[Page],
) -> list[Institution]:
    r = rng(seed, "institutions", region.region_code, sector.code)
    created_n = n if sector.code in GOVERNMENT_SECTORS else round(n * sector.created / sector.target)
    created = set(r.sample(range(n), created_n))
    cum = list(itertools.accumulate(m.population for m in munis))
    numbers: dict[tuple, int] = {}
    out = []
    for i in range(n):
        level = sector.level_shares[0][0]
        if len(sector.level_shares) > 1 and r.random() >= sector.level_shares[0][1]:
            level = sector.level_shares[1][0]
        muni = None
        if sector.code == "federal":
            name, screen = names.federal_bodies()[i % len(names.federal_bodies())]
            if i >= len(names.federal_bodies()):
                name, screen = (
                    f"{name} (представительство № {i // len(names.federal_bodies())})",
                    f"{screen}_rep",
                )
            size = 1.0
        elif sector.code == "regional":
            body, prefix = names.regional_bodies()[i % len(names.regional_bodies())]
            name = f"{body} {region.name_genitive}"
            if i >= len(names.regional_bodies()):
                name += f" (управление № {i // len(names.regional_bodies())})"
            screen, size = f"{prefix}_{_place_slug(None, region)}", (region.population / 1e6) ** 0.7
        elif sector.code == "local":
            muni = munis[i % len(munis)]
            name, screen = f"Администрация {muni.name_genitive}", f"adm_{_place_slug(muni, region)}"
            size = (muni.population / 1e4) ** 0.7
        else:
            muni = munis[bisect.bisect_right(cum, r.random() * cum[-1])] if munis else None
            templates = names.INSTITUTION_TEMPLATES[sector.code][level]
            t = r.randrange(len(templates))
            place = muni.municipality_id if level == "municipal" and muni else region.region_code
            k = numbers[(place, sector.code, t)] = numbers.get((place, sector.code, t), 0) + 1
            genitive = muni.name_genitive if level == "municipal" and muni else region.name_genitive
            nick = names.KINDERGARTEN_NICKS[k % len(names.KINDERGARTEN_NICKS)]
            name = templates[t][0].format(k=k, g=genitive, nick=nick)
            screen = f"{templates[t][1]}{k}_{_place_slug(muni if level == 'municipal' else None, region)}"
            size = 1.0
        has_codes = r.random() < 0.9
        inst = Institution(
            institution_id=f"{region.region_code}-{sector.code}-{i + 1:05d}",
            name=name,
            sector=sector.code,
            level=level,
            region_code=region.region_code,
            municipality_id=muni.municipality_id if muni else None,
            ogrn=ogrn(region.region_code, r) if has_codes else None,
            inn=inn_with_check_digit(
                f"{region.region_code}{r.randrange(1, 100):02d}{r.randrange(10**4, 10**5)}"
            )
            if has_codes
            else None,
            exemption_reason=(
                names.EXEMPTION_REASONS[r.randrange(3)] if i not in created and r.random() < 0.03 else None
            ),
        )
        out.append(inst)
        if i in created:
            pages.extend(_page(net, inst, screen, size, ids, base_date, r) for net in _networks(sector, r))
    return out


def _normalise(pages: list[Page], counts: dict[str, dict[str, int]], seed: int) -> None:
    """Members to the sector subscriber figures, posting rates to posts per week, connection to
    the connected-subscribers share."""
    for s in SECTORS:
        in_world = sum(c[s.code] for c in counts.values())
        target = s.subscribers * in_world / s.target
        of_sector = [p for p in pages if p.sector == s.code]
        wsum = sum(p.weight for p in of_sector) or 1.0
        for p in of_sector:
            p.members_base = round(target * p.weight / wsum)
    per_day = HEADLINE.posts_per_week / 7 * len(pages) / HEADLINE.pages
    factor = per_day / (sum(p.posts_per_day for p in pages) or 1.0)
    for p in pages:
        active = p.posts_per_day >= 4 / 7
        p.posts_per_day *= factor
        if active:
            p.posts_per_day = max(p.posts_per_day, MIN_ACTIVE_PER_DAY)
    goal = sum(p.members_base for p in pages) * HEADLINE.connected_subscribers / HEADLINE.subscribers
    candidates = sorted(
        (p for p in pages if p.network in ("vk", "ok") and p.members_base > 0),
        key=lambda p: (p.sector not in GOVERNMENT_SECTORS, unit(seed, "connect", p.key)),
    )
    total = 0
    for p in candidates:
        if total >= goal:
            break
        p.connected, total = True, total + p.members_base


def generate(
    scale: Scale, seed: int, base_date: date
) -> tuple[tuple[Municipality, ...], list[Institution], list[Page]]:
    """Municipalities, institutions and pages of a world."""
    counts = sector_counts(scale)
    ids = Identifiers(seed)
    munis_all: list[Municipality] = []
    institutions: list[Institution] = []
    pages: list[Page] = []
    for region in read_regions():
        if region.region_code not in scale.regions:
            continue
        munis = municipalities_of(region.region_code, scale.structural_factor)
        munis_all.extend(munis)
        for code, n in counts[region.region_code].items():
            institutions += _institutions(region, munis, SECTOR_BY_CODE[code], n, seed, ids, base_date, pages)
    _normalise(pages, counts, seed)
    return tuple(munis_all), institutions, pages
