"""Reference data in the warehouse: counts, idempotency, synthetic municipalities, and a simulated
registry that imports with exactly its malformed rows rejected."""

from __future__ import annotations

import pytest

from gospubliki.reference.load import load_reference, read_municipalities, read_regions
from gospubliki.simulator.registry import BAD_ROW_KINDS, synthetic_municipalities, write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import build_world
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration


def _rows(url: str, sql: str) -> list[tuple]:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_load_counts_and_second_run_changes_nothing(fresh_db):
    counts = load_reference(fresh_db)
    assert counts == {
        "regions": 89,
        "municipalities": len(read_municipalities()),
        "synthetic_municipalities": 0,
    }
    regions = _rows(fresh_db, "select * from reference.regions order by region_code")
    munis = _rows(fresh_db, "select * from reference.municipalities order by municipality_id")
    assert len(regions) == 89 and len(munis) == 45
    assert _rows(
        fresh_db, "select sum(population) from reference.municipalities where region_code = '43'"
    ) == [(1_153_680,)]
    assert _rows(fresh_db, "select name, population from reference.regions where region_code = '43'") == [
        ("Кировская область", 1_153_680)
    ]
    assert not any(m[-1] for m in munis)  # none synthetic

    assert load_reference(fresh_db) == counts
    assert _rows(fresh_db, "select * from reference.regions order by region_code") == regions
    assert _rows(fresh_db, "select * from reference.municipalities order by municipality_id") == munis


def test_census_total_and_codes(fresh_db):
    load_reference(fresh_db)
    census = sum(r.population for r in read_regions() if r.population_source.startswith("ВПН"))
    assert abs(census - 147_182_123) < 0.001 * 147_182_123
    codes = [r[0] for r in _rows(fresh_db, "select region_code from reference.regions order by 1")]
    assert {"43", "77", "22", "91", "92", "93", "94", "90", "95"} <= set(codes)
    assert all(len(c) == 2 and c.isdigit() for c in codes)


def test_extra_municipalities_are_flagged_synthetic(fresh_db):
    world = build_world(Scale.from_name("national", factor=0.02), seed=1)
    synthetic = synthetic_municipalities(world)
    counts = load_reference(fresh_db, extra_municipalities=synthetic)
    assert counts["synthetic_municipalities"] == len(synthetic) > 80
    flagged = _rows(
        fresh_db, "select count(*) filter (where is_synthetic), count(*) from reference.municipalities"
    )
    assert flagged == [(len(synthetic), len(synthetic) + 45)]
    # synthetic municipalities of a region add up to its census population
    mismatched = _rows(
        fresh_db,
        """
        select r.region_code from reference.regions r join reference.municipalities m using (region_code)
        group by r.region_code, r.population having sum(m.population) <> r.population""",
    )
    assert mismatched == []
    load_reference(fresh_db, extra_municipalities=synthetic)
    assert _rows(fresh_db, "select count(*) from reference.municipalities") == [(len(synthetic) + 45,)]


def test_simulated_registry_imports_with_exactly_the_bad_rows_rejected(fresh_db, tmp_path):
    from gospubliki.registry.importer import import_registry

    world = build_world(Scale.from_name("region"), seed=2)
    load_reference(fresh_db)
    path = tmp_path / "registry.csv"
    n = write_registry_csv(path, world, bad_rows=len(BAD_ROW_KINDS))
    report = import_registry(path, fresh_db)
    assert report.rows_total == n
    assert [r.row["institution_id"] for r in report.rejects] == [
        f"bad-{i}-{k}" if k != "duplicate_institution_id" else r.row["institution_id"]
        for i, (k, r) in enumerate(zip(BAD_ROW_KINDS, report.rejects, strict=True), start=1)
    ]
    assert report.institutions == len(world.institutions)
    assert report.pages == len(world.pages)
    by_network = {n: len(world.pages_on(n)) for n in ("vk", "ok", "tg")}
    assert report.pages_by_network == by_network
