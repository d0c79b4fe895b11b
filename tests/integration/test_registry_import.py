"""Registry import on the real PostgreSQL: valid rows load, bad rows are rejected with reasons."""

import csv

import psycopg2
import pytest

from gospubliki.registry.importer import RegistryFileError, import_registry
from gospubliki.registry.model import COLUMNS
from gospubliki.warehouse import db


@pytest.fixture
def reference(fresh_db):
    db.apply_schema(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("insert into reference.regions values ('43', 'Кировская область', 'Приволжский', 1153680)")
        cur.execute(
            """insert into reference.municipalities (municipality_id, region_code, name, municipality_type, population)
               values ('43-kotelnichskiy', '43', 'Котельничский', 'м.р.', 20000),
                      ('43-kirov', '43', 'Киров', 'г.о.', 520000)"""
        )
    return fresh_db


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in COLUMNS})
    return path


GOOD = [
    dict(institution_id="i1", name="Администрация Котельничского района", sector="local", level="municipal",
         region_code="43", municipality="Котельничский м.р.", vk_url="vk.com/club101", ok_url="ok.ru/group/5701",
         telegram_url="@kotelnich_adm", connected_networks="vk;ok", ogrn="1024300000001", inn="4300000001"),
    dict(institution_id="i2", name="Школа № 1", sector="school", level="municipal", region_code="43",
         municipality="43-kirov", vk_url="https://vk.ru/school1_kirov/"),
    dict(institution_id="i3", name="Министерство культуры", sector="regional", level="regional", region_code="43"),
]


def test_valid_rows_load_and_bad_rows_are_rejected_with_reasons(reference, tmp_path):
    bad = [
        dict(institution_id="b1", name="X", sector="bank", level="municipal", region_code="43", municipality="43-kirov"),
        dict(institution_id="b2", name="X", sector="school", level="municipal", region_code="43", municipality="Нигде м.р."),
        dict(institution_id="b3", name="X", sector="school", level="municipal", region_code="43",
             municipality="43-kirov", vk_url="vk.com/id777"),
        dict(institution_id="i1", name="Дубль", sector="school", level="municipal", region_code="43", municipality="43-kirov"),
        dict(institution_id="b5", name="Чужая страница", sector="culture", level="municipal", region_code="43",
             municipality="43-kirov", vk_url="https://m.vk.com/public101"),
        dict(institution_id="b6", name="X", sector="school", level="municipal", region_code="99", municipality="43-kirov"),
        dict(institution_id="b7", name="X", sector="school", level="municipal", region_code="43", municipality="43-kirov", ogrn="12"),
    ]
    report = import_registry(write_csv(tmp_path / "r.csv", GOOD + bad), url=reference)

    assert report.institutions == 3
    assert report.pages_by_network == {"vk": 2, "ok": 1, "tg": 1}
    reasons = {r.row["institution_id"]: r.reason for r in report.rejects}
    assert set(reasons) == {"b1", "b2", "b3", "i1", "b5", "b6", "b7"}
    assert "unknown sector 'bank'" in reasons["b1"]
    assert "unknown municipality" in reasons["b2"]
    assert "bad link in vk_url" in reasons["b3"] and "personal profile" in reasons["b3"]
    assert "duplicate institution_id" in reasons["i1"]
    assert "vk:101 already belongs to institution 'i1'" in reasons["b5"]
    assert "unknown region" in reasons["b6"]
    assert "ОГРН" in reasons["b7"]

    with psycopg2.connect(reference) as conn, conn.cursor() as cur:
        cur.execute("select page_key, page_ref, is_connected, institution_id from registry.pages order by page_key")
        assert cur.fetchall() == [
            ("ok:5701", "5701", True, "i1"),
            ("tg:kotelnich_adm", "kotelnich_adm", False, "i1"),
            ("vk:101", "101", True, "i1"),
            ("vk:school1_kirov", "school1_kirov", False, "i2"),
        ]
        cur.execute("select municipality_id from registry.institutions where institution_id = 'i1'")
        assert cur.fetchone() == ("43-kotelnichskiy",)
        cur.execute("select count(*), min(reason) from registry.rejects where import_id = %s", (report.import_id,))
        assert cur.fetchone()[0] == 7
        cur.execute("select rows_total, rows_loaded, rows_rejected from registry.imports where import_id = %s",
                    (report.import_id,))
        assert cur.fetchone() == (10, 3, 7)


def test_reimport_replaces_the_registry(reference, tmp_path):
    import_registry(write_csv(tmp_path / "a.csv", GOOD), url=reference)
    report = import_registry(write_csv(tmp_path / "b.csv", GOOD[1:]), url=reference, allow_shrink=True)
    assert report.institutions == 2
    with psycopg2.connect(reference) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from registry.institutions")
        assert cur.fetchone() == (2,)
        cur.execute("select count(*) from registry.pages")
        assert cur.fetchone() == (1,)


def test_a_file_without_required_columns_is_refused_whole(reference, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,title\n1,foo\n", encoding="utf-8")
    with pytest.raises(RegistryFileError, match="missing column"):
        import_registry(path, url=reference)
