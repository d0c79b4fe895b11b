"""Loading the reference data into ``reference.regions`` and ``reference.municipalities``.

Idempotent: rows are upserted (``insert … on conflict do update``), so a second run changes
nothing and a corrected CSV updates the rows in place.
"""

from __future__ import annotations

from collections.abc import Iterable

from psycopg2.extras import execute_values

from gospubliki.reference.catalog import Municipality, Region, read_municipalities, read_regions
from gospubliki.warehouse import db

__all__ = ["Municipality", "Region", "load_reference", "read_municipalities", "read_regions"]

_REGION_SQL = """
    insert into reference.regions (region_code, name, federal_district, population)
    values %s
    on conflict (region_code) do update
       set name = excluded.name, federal_district = excluded.federal_district,
           population = excluded.population
"""

_MUNICIPALITY_SQL = """
    insert into reference.municipalities
           (municipality_id, region_code, name, municipality_type, population, is_synthetic)
    values %s
    on conflict (municipality_id) do update
       set region_code = excluded.region_code, name = excluded.name,
           municipality_type = excluded.municipality_type, population = excluded.population,
           is_synthetic = excluded.is_synthetic
"""


def load_reference(
    url: str | None = None, extra_municipalities: Iterable[Municipality] | None = None
) -> dict[str, int]:
    """Apply the schema and upsert regions and municipalities.

    :param url: warehouse URL (default: the configured one).
    :param extra_municipalities: e.g. the simulator's synthetic municipalities at national scale;
        stored with ``is_synthetic = true`` whatever their own flag says.
    :returns: ``{"regions": n, "municipalities": n, "synthetic_municipalities": n}`` as upserted.
    """
    db.apply_schema(url)
    regions = read_regions()
    shipped = read_municipalities()
    extra = list(extra_municipalities or ())
    with db.connect(url) as conn, conn.cursor() as cur:
        execute_values(
            cur, _REGION_SQL, [(r.region_code, r.name, r.federal_district, r.population) for r in regions]
        )
        rows = [
            (m.municipality_id, m.region_code, m.name, m.municipality_type, m.population, False)
            for m in shipped
        ]
        rows += [
            (m.municipality_id, m.region_code, m.name, m.municipality_type, m.population, True) for m in extra
        ]
        execute_values(cur, _MUNICIPALITY_SQL, rows, page_size=1000)
    return {"regions": len(regions), "municipalities": len(shipped), "synthetic_municipalities": len(extra)}
