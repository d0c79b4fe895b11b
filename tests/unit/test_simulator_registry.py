"""The registry CSV the simulator writes: the column contract, links, and malformed rows."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from gospubliki.reference.catalog import read_regions
from gospubliki.settings import REPO_ROOT
from gospubliki.simulator.registry import (
    BAD_ROW_KINDS,
    COLUMNS,
    synthetic_municipalities,
    write_municipalities_csv,
    write_registry_csv,
)
from gospubliki.simulator.scale import SECTOR_BY_CODE, Scale
from gospubliki.simulator.world import build_world


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=5)


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_columns_are_the_registry_contract():
    text = (REPO_ROOT / "docs" / "registry.md").read_text(encoding="utf-8")
    section = text.split("## Columns", 1)[1].split("##", 1)[0]
    documented = []
    for line in section.splitlines():
        if line.startswith("| `"):
            documented += re.findall(r"`([a-z_]+)`", line.split("|")[1])
    assert documented == list(COLUMNS)


def test_round_trip_rows_and_pages(world, tmp_path):
    path = tmp_path / "registry.csv"
    n = write_registry_csv(path, world)
    header, rows = _read(path)
    assert header == list(COLUMNS)
    assert n == len(rows) == len(world.institutions)
    assert len({r["institution_id"] for r in rows}) == len(rows)
    by_id = {r["institution_id"]: r for r in rows}
    links = 0
    for page in world.pages:
        row = by_id[page.institution_id]
        column = {"vk": "vk_url", "ok": "ok_url", "tg": "telegram_url"}[page.network]
        assert row[column] == page.link
        assert str(page.page_id) in page.link or page.screen_name.lower() in page.link.lower()
        assert (page.network in row["connected_networks"].split(";")) == page.connected
        links += 1
    assert links == sum(bool(r[c]) for r in rows for c in ("vk_url", "ok_url", "telegram_url"))
    assert all(
        r["sector"] in SECTOR_BY_CODE and r["level"] in ("federal", "regional", "municipal") for r in rows
    )
    assert all(r["municipality"] for r in rows if r["level"] == "municipal")
    assert any(re.fullmatch(r"43-[a-z-]+", r["municipality"]) for r in rows)  # some by id
    assert any(r["municipality"].endswith(" м.р.") for r in rows)  # most as 'name type'
    assert any(r["exemption_reason"].startswith("официальная страница не ведётся") for r in rows)
    for r in rows:
        if r["inn"]:
            assert re.fullmatch(r"43\d{8}", r["inn"]) and re.fullmatch(r"1\d{12}", r["ogrn"])
            assert int(r["ogrn"][:12]) % 11 % 10 == int(r["ogrn"][12])


def test_writing_twice_gives_identical_bytes(world, tmp_path):
    write_registry_csv(tmp_path / "a.csv", world, bad_rows=4)
    write_registry_csv(tmp_path / "b.csv", build_world(Scale.from_name("region"), seed=5), bad_rows=4)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_bad_rows_are_appended_each_of_a_different_kind(world, tmp_path):
    path = tmp_path / "registry.csv"
    n = write_registry_csv(path, world, bad_rows=len(BAD_ROW_KINDS))
    _, rows = _read(path)
    good, bad = rows[: len(world.institutions)], rows[len(world.institutions) :]
    assert n == len(rows) and len(bad) == len(BAD_ROW_KINDS)
    good_ids = {r["institution_id"] for r in good}
    good_links = {r[c] for r in good for c in ("vk_url", "ok_url", "telegram_url") if r[c]}
    munis = {m.municipality_id for m in world.municipalities} | {
        f"{m.name} {m.municipality_type}" for m in world.municipalities
    }
    regions = {r.region_code for r in read_regions()}

    def faults(r: dict) -> set[str]:
        found = set()
        if r["sector"] not in SECTOR_BY_CODE:
            found.add("unknown_sector")
        if r["municipality"] and r["municipality"] not in munis:
            found.add("unknown_municipality")
        if r["vk_url"] and not re.search(r"vk\.(com|ru)/[\w.?=/-]+$", r["vk_url"]):
            found.add("bad_link")
        if r["institution_id"] in good_ids:
            found.add("duplicate_institution_id")
        if r["region_code"] not in regions:
            found.add("unknown_region")
        if r["vk_url"] in good_links:
            found.add("page_owned_by_other")
        if r["level"] not in ("federal", "regional", "municipal"):
            found.add("unknown_level")
        if not r["name"]:
            found.add("missing_name")
        return found

    kinds = [faults(r) for r in bad]
    assert all(len(k) == 1 for k in kinds), kinds  # exactly one thing wrong per row
    assert [k.pop() for k in kinds] == list(BAD_ROW_KINDS)
    uniqueness = {"duplicate_institution_id", "page_owned_by_other"}  # valid rows match themselves
    assert not any(faults(r) - uniqueness for r in good)
    with pytest.raises(ValueError):
        write_registry_csv(path, world, bad_rows=len(BAD_ROW_KINDS) + 1)


def test_synthetic_municipalities_file(tmp_path):
    world = build_world(Scale.from_name("national", factor=0.02), seed=1)
    synthetic = synthetic_municipalities(world)
    assert synthetic and all(m.is_synthetic for m in synthetic)
    assert not any(m.region_code == "43" for m in synthetic)
    n = write_municipalities_csv(tmp_path / "m.csv", synthetic)
    header, rows = _read(tmp_path / "m.csv")
    assert n == len(rows) == len(synthetic)
    assert header[:4] == ["municipality_id", "region_code", "name", "municipality_type"]
    assert {r["is_synthetic"] for r in rows} == {"true"}
