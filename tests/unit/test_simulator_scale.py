"""At national scale the world reproduces the presentation's figures within ±5 %."""

from __future__ import annotations

from collections import Counter

import pytest

from gospubliki.simulator.scale import HEADLINE, SECTORS, Scale
from gospubliki.simulator.world import build_world

TOLERANCE = 0.05


@pytest.fixture(scope="module")
def national():
    world = build_world(Scale.from_name("national"), seed=1)
    return world, world.summary()


def _close(actual: float, expected: float) -> bool:
    return abs(actual - expected) <= TOLERANCE * expected


def test_headline_figures_within_five_percent(national):
    _, s = national
    rows = [
        ("institutions with pages", s["institutions"], HEADLINE.institutions),
        ("pages", s["pages"], HEADLINE.pages),
        ("subscribers", s["subscribers"], HEADLINE.subscribers),
        ("posts per week", s["posts_per_week"], HEADLINE.posts_per_week),
        ("connected subscribers", s["connected_subscribers"], HEADLINE.connected_subscribers),
    ]
    print(f"\n{'figure':26} {'world':>12} {'presentation':>12}")
    for name, actual, expected in rows:
        print(f"{name:26} {actual:12,} {expected:12,}")
    assert all(_close(actual, expected) for _, actual, expected in rows), rows
    assert s["pages"] > s["institutions"]


def test_sector_table_within_five_percent(national):
    _, s = national
    print(f"\n{'sector':13} {'target':>15} {'created':>15} {'to create':>15} {'subscribers':>25}")
    failures = []
    for sec in SECTORS:
        got = s["sectors"][sec.code]
        print(
            f"{sec.code:13} {got['target']:>7}/{sec.target:<7} {got['created']:>7}/{sec.created:<7} "
            f"{got['to_create']:>7}/{sec.presented_to_create or sec.to_create:<7} "
            f"{got['subscribers']:>12,}/{sec.subscribers:<12,}"
        )
        expected_to_create = sec.presented_to_create if sec.presented_to_create is not None else sec.to_create
        for key, expected in (
            ("target", sec.target),
            ("created", sec.created),
            ("subscribers", sec.subscribers),
            ("to_create", expected_to_create),
        ):
            if expected and not _close(got[key], expected):
                failures.append((sec.code, key, got[key], expected))
    assert not failures
    assert sum(s["sectors"][c]["created"] for c in ("federal", "regional", "local")) == 66 + 1_200 + 2_200


def test_national_world_covers_all_regions_and_networks(national):
    world, _ = national
    assert len({i.region_code for i in world.institutions}) == 89
    assert {i.region_code for i in world.institutions if i.sector == "federal"} == {"77"}
    networks = Counter(p.network for p in world.pages)
    assert networks["vk"] > networks["ok"] > networks["tg"] > 5_000
    per_institution = Counter(len(world.pages_of(i.institution_id)) for i in world.institutions)
    assert set(per_institution) == {0, 1, 2, 3}
    omsu_munis = {i.municipality_id for i in world.institutions if i.sector == "local"}
    assert omsu_munis == {m.municipality_id for m in world.municipalities}


def test_shrunken_national_world_for_fast_tests():
    world = build_world(Scale.from_name("national", factor=0.02), seed=1)
    s = world.summary()
    assert len({i.region_code for i in world.institutions}) >= 80
    assert 0.01 * HEADLINE.pages < s["pages"] < 0.04 * HEADLINE.pages
    assert any(m.is_synthetic for m in world.municipalities)
