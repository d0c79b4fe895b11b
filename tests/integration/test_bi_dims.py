"""The dimensions (dim_institution, dim_page, dim_municipality) on the hand-made BI world
(bi_world.py, its registry and the D2 load): «which institutions of region 43 still have to create
a page?» is the one query of the BI guide, run exactly as printed there, with exact answers; the
statuses per network; the 'создать' count equals sector_summary's to_create."""

from __future__ import annotations

import re
from pathlib import Path

import bi_world as w
import pytest

pytestmark = pytest.mark.integration

GUIDE = Path(__file__).parents[2] / "docs" / "bi-guide.md"


def guide_query(title: str) -> str:
    """The SQL block of the BI guide that starts with the comment ``-- <title>``."""
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(rf"-- {re.escape(title)}\n(.*?);\n", text, re.S)
    assert match, f"no query «{title}» in {GUIDE}"
    return match.group(1)


@pytest.fixture(scope="module")
def world(module_db, tmp_path_factory) -> w.World:
    tmp = tmp_path_factory.mktemp("bi_dims")
    world = w.prepare(module_db, tmp)
    w.publish(world, w.D2)
    w.build(module_db, tmp, select=["+dim_institution", "+sector_summary"])
    return world


def test_the_guides_create_query_lists_who_has_to_create_a_page(world):
    query = guide_query("какие учреждения региона 43 ещё должны создать страницу")
    assert w.fetch(world.url, query) == [
        {"institution_name": "Школа № 3 г. Кирова", "sector_label": "Школы", "municipality_name": "Киров г.о."}
    ]
    region_12 = w.fetch(world.url, query.replace("'43'", "'12'"))  # its school's page was deleted on D1
    assert [r["institution_name"] for r in region_12] == [w.INSTITUTION["school-2"]["name"]]


def test_statuses_per_network_and_overall(world):
    rows = {r["institution_id"]: r for r in w.fetch(world.url, "select * from marts.dim_institution")}
    assert len(rows) == len(w.INSTITUTIONS) == 13
    counts = w.fetch(
        world.url,
        "select region_code, page_status, vk_status, ok_status, count(*)::int as n from marts.dim_institution "
        "group by 1, 2, 3, 4 order by 1, 2, 3, 4",
    )
    assert [tuple(r.values()) for r in counts] == [
        ("12", "ведётся", "ведётся", "создать", 2),
        ("12", "создать", "создать", "создать", 1),
        ("43", "ведётся", "ведётся", "создать", 7),
        ("43", "освобождено", "освобождено", "освобождено", 1),
        ("43", "создать", "создать", "создать", 1),
        ("77", "ведётся", "ведётся", "создать", 1),
    ]
    kirov = rows["omsu-kirov"]
    assert (kirov["vk_page_key"], kirov["vk_is_connected"], kirov["vk_has_badge"], kirov["ok_page_key"]) == (
        "vk:1001", True, True, None
    )
    assert (rows["school-1"]["vk_is_connected"], rows["school-1"]["vk_has_badge"]) == (False, True)
    assert rows["school-5"]["exemption_reason"] == "официальная страница не ведётся на основании приказа № 5"
    to_create = w.fetch(
        world.url,
        "select sector, to_create_institutions::int as n from marts.sector_summary "
        "where snapshot_date = %s and to_create_institutions > 0",
        (w.D2,),
    )
    by_sector = w.fetch(
        world.url,
        "select sector, count(*)::int as n from marts.dim_institution where page_status = 'создать' group by 1",
    )
    assert sorted(map(tuple, (r.values() for r in to_create))) == sorted(
        map(tuple, (r.values() for r in by_sector))
    ) == [("school", 2)]


def test_pages_and_municipalities(world):
    pages = {r["page_key"]: r for r in w.fetch(world.url, "select * from marts.dim_page")}
    assert len(pages) == len(w.PAGES)
    assert (pages["vk:2002"]["is_active"], pages["vk:2002"]["fetch_status"]) == (False, "deactivated")
    assert pages["vk:1001"]["members_count"] == w.members(w.PAGE_BY_INSTITUTION["omsu-kirov"], w.D2)
    assert {p["observed_on_date"] for p in pages.values()} == {w.D2}
    municipalities = {r["municipality_id"]: r for r in w.fetch(world.url, "select * from marts.dim_municipality")}
    assert len(municipalities) == 45 + 1  # Кировская область and the synthetic okrug of region 12
    assert {k: v for k, v in municipalities["43-pervomayskiy"].items() if k != "population"} == {
        "municipality_id": "43-pervomayskiy",
        "region_code": "43",
        "region_name": "Кировская область",
        "municipality_name": "Первомайский",
        "municipality_type": "ЗАТО",
        "municipality_type_label": "закрытое административно-территориальное образование",
        "official_name": "ЗАТО Первомайский",
        "display_name": "ЗАТО Первомайский",
        "is_synthetic": False,
        "institutions": 0,
        "target_institutions": 0,
    }
    assert (municipalities["43-kirov"]["institutions"], municipalities["43-kirov"]["target_institutions"]) == (4, 3)
