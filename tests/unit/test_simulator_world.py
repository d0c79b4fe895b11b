"""The simulated world at region scale: determinism, structure and page invariants."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from gospubliki.reference.catalog import read_municipalities
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region", region="43"), seed=7)


def test_same_seed_same_world_and_other_seed_differs(world):
    again = build_world(Scale.from_name("region", region="43"), seed=7)
    other = build_world(Scale.from_name("region", region="43"), seed=8)
    assert again == world
    assert again.fingerprint() == world.fingerprint()
    assert other != world
    assert other.fingerprint() != world.fingerprint()
    # same structure (counts follow the scale), different draws
    assert len(other.institutions) == len(world.institutions)
    assert [p.page_id for p in other.pages[:50]] != [p.page_id for p in world.pages[:50]]


def test_region_scale_has_about_two_thousand_pages_and_more_pages_than_institutions(world):
    with_pages = {p.institution_id for p in world.pages}
    assert 1_800 <= len(world.pages) <= 2_200
    assert len(world.pages) > len(with_pages)
    per_institution = Counter(len(world.pages_of(i.institution_id)) for i in world.institutions)
    assert set(per_institution) <= {0, 1, 2, 3}
    assert per_institution[0] > 0 and per_institution[3] > 0


def test_every_municipality_of_the_region_has_an_omsu_with_pages(world):
    shipped = {m.municipality_id for m in read_municipalities() if m.region_code == "43"}
    omsu = {
        i.municipality_id
        for i in world.institutions
        if i.sector == "local" and world.pages_of(i.institution_id)
    }
    assert len(shipped) >= 40
    assert omsu == shipped


def test_municipal_institutions_have_a_municipality_and_federal_bodies_are_absent_at_region_scale(world):
    assert all(i.municipality_id for i in world.institutions if i.level == "municipal")
    assert not [i for i in world.institutions if i.sector == "federal"]
    assert {i.region_code for i in world.institutions} == {"43"}


def test_vk_pages_have_unique_ids_and_screen_names(world):
    vk = world.pages_on("vk")
    assert len({p.page_id for p in vk}) == len(vk)
    assert len({p.screen_name for p in vk}) == len(vk)
    for p in vk:
        assert re.fullmatch(r"[a-z][a-z0-9_]{2,31}", p.screen_name), p.screen_name
        if not p.has_custom_name:
            assert p.screen_name in (f"club{p.page_id}", f"public{p.page_id}")
        assert world.vk_page(p.page_id) is p
        assert world.vk_page(p.screen_name.upper()) is p
    assert world.vk_page("no_such_page_here") is None


def test_page_states_and_attributes_have_realistic_shares(world):
    states = Counter(p.state for p in world.pages)
    n = len(world.pages)
    assert 0.005 < (states["deleted"] + states["banned"]) / n < 0.04
    assert 0.005 < states["private"] / n < 0.05
    assert all(p.page_type == "group" for p in world.pages if p.state == "private" and p.network == "vk")
    verified = sum(p.verified for p in world.pages_on("vk")) / len(world.pages_on("vk"))
    assert 0.4 < verified < 0.8
    assert all(p.members_base == 0 for p in world.pages if p.deactivated)
    assert any(p.connected for p in world.pages) and not any(p.connected for p in world.pages_on("tg"))


def test_registry_links_use_every_usual_form(world):
    links = [p.link for p in world.pages]
    for pattern in (
        r"^vk\.com/club\d+$",
        r"^https://vk\.ru/public\d+$",
        r"^m\.vk\.com/[a-z_0-9]+/$",
        r"^vk\.com/[a-z_0-9]+\?from=groups$",
        r"^ok\.ru/group/\d+$",
        r"^https://t\.me/\w+$",
        r"^t\.me/s/\w+$",
        r"^@\w+$",
    ):
        assert any(re.match(pattern, link) for link in links), pattern
    by_screen = [p for p in world.pages_on("vk") if p.has_custom_name and p.screen_name in p.link]
    assert len(by_screen) > 0.3 * len(world.pages_on("vk"))


def test_another_region_gets_synthetic_municipalities_summing_to_its_population():
    world = build_world(Scale.from_name("region", region="22"), seed=1)
    assert all(m.is_synthetic and m.region_code == "22" for m in world.municipalities)
    assert sum(m.population for m in world.municipalities) == 2_163_693
    assert {m.municipality_type for m in world.municipalities} <= {"г.о.", "м.р.", "м.о."}
    assert len({m.municipality_id for m in world.municipalities}) == len(world.municipalities)
