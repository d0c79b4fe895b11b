"""Registry import on the real PostgreSQL: valid rows load, bad rows are rejected with reasons."""

import csv

import psycopg2
import pytest

from gospubliki.registry.importer import RegistryFileError, RegistryRefused, import_registry
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


# ---------------------------------------------------------------- a registry is never replaced by a worse one
FOURTH = dict(institution_id="i4", name="Управление образования", sector="regional", level="regional",
              region_code="43", vk_url="vk.com/club404")


def sizes(url) -> tuple[int, int, int]:
    """(institutions, pages, the id of the import the registry came from)"""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select count(*), max(import_id) from registry.institutions")
        institutions, import_id = cur.fetchone()
        cur.execute("select count(*) from registry.pages")
        return institutions, cur.fetchone()[0], import_id


@pytest.fixture
def registry(reference, tmp_path):
    """A current registry of 4 institutions and 5 pages (vk 3, ok 1, tg 1)."""
    import_registry(write_csv(tmp_path / "current.csv", [*GOOD, FOURTH]), url=reference)
    assert sizes(reference)[:2] == (4, 5)
    return reference


def test_a_header_only_file_is_refused_and_the_registry_is_intact(registry, tmp_path):
    before = sizes(registry)
    with pytest.raises(RegistryRefused, match=r"empty\.csv has no data rows: the registry was not replaced"):
        import_registry(write_csv(tmp_path / "empty.csv", []), url=registry, allow_shrink=True)
    assert sizes(registry) == before == (4, 5, before[2])


def test_a_file_whose_every_row_is_rejected_is_refused_and_the_registry_is_intact(registry, tmp_path):
    before = sizes(registry)
    bad = [dict(GOOD[0], institution_id=f"b{n}", sector="bank") for n in range(3)]
    with pytest.raises(RegistryRefused, match=r"has no valid row \(3 rejected\)") as refused:
        import_registry(write_csv(tmp_path / "bad.csv", bad), url=registry, allow_shrink=True)
    assert [r.row_number for r in refused.value.report.rejects] == [1, 2, 3]
    assert sizes(registry) == before
    with psycopg2.connect(registry) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from registry.imports")
        assert cur.fetchone() == (1,)  # the refused attempt left no trace but its message


def test_a_shrink_of_half_is_refused_unless_allowed(registry, tmp_path):
    before = sizes(registry)
    half = write_csv(tmp_path / "half.csv", GOOD[1:3])  # 2 of 4 institutions, 1 of 3 VK pages
    with pytest.raises(RegistryRefused) as refused:
        import_registry(half, url=registry)
    assert str(refused.value) == (
        "the file would shrink the registry from 4 to 2 institutions (−50%, more than the 20% allowed): "
        "the registry was not replaced; check the file, or import it with --allow-shrink"
    )
    assert sizes(registry) == before
    report = import_registry(half, url=registry, allow_shrink=True)
    assert (report.institutions, report.pages) == (2, 1)
    assert sizes(registry) == (2, 1, report.import_id)


def test_a_file_that_lost_one_networks_links_is_refused(registry, tmp_path):
    """Every institution is still there but the OK column went missing: OK pages 1 → 0."""
    no_ok = [{k: v for k, v in row.items() if k != "ok_url"} for row in [*GOOD, FOURTH]]
    with pytest.raises(RegistryRefused, match=r"from 1 to 0 ok pages \(−100%"):
        import_registry(write_csv(tmp_path / "no_ok.csv", no_ok), url=registry)
    assert sizes(registry)[:2] == (4, 5)


def test_strict_refuses_a_file_with_any_rejected_row(registry, tmp_path):
    before = sizes(registry)
    rows = [*GOOD, FOURTH, dict(FOURTH, institution_id="x", region_code="99")]
    with pytest.raises(RegistryRefused, match=r"--strict: 1 of 5 rows rejected: the registry was not replaced"):
        import_registry(write_csv(tmp_path / "one_bad.csv", rows), url=registry, strict=True)
    assert sizes(registry) == before
    report = import_registry(write_csv(tmp_path / "one_bad.csv", rows), url=registry)  # without --strict
    assert (report.institutions, [(r.row_number, r.reason) for r in report.rejects]) == (
        4, [(5, "unknown region code '99'")]
    )


def _encoded(path, rows, encoding: str):
    text = write_csv(path, rows).read_text(encoding="utf-8")
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("cp1251", "CP1251"), ("utf-16", "UTF-16-LE"), ("utf-16-le", "UTF-16-LE"), ("utf-8-sig", "UTF-8-SIG"),
     ("utf-8", "UTF-8")],
)
def test_windows_1251_and_utf_16_files_import_with_the_right_cyrillic_names(reference, tmp_path, encoding, detected):
    report = import_registry(_encoded(tmp_path / "r.csv", GOOD, encoding), url=reference)
    assert (report.encoding, report.institutions, report.rejects) == (detected, 3, [])
    with psycopg2.connect(reference) as conn, conn.cursor() as cur:
        cur.execute("select institution_id, name, municipality_id from registry.institutions order by 1")
        assert cur.fetchall() == [
            ("i1", "Администрация Котельничского района", "43-kotelnichskiy"),
            ("i2", "Школа № 1", "43-kirov"),
            ("i3", "Министерство культуры", None),
        ]


def test_a_file_in_no_known_encoding_is_refused_naming_the_encodings_tried(reference, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(RegistryFileError, match=r"cannot tell the file's encoding \(tried UTF-8, UTF-16, Windows-1251"):
        import_registry(path, url=reference)


def test_nul_bytes_runaway_cells_and_null_markers_are_rejects_with_row_numbers(reference, tmp_path):
    rows = [
        GOOD[0],
        dict(GOOD[1], name="Школа\x00№ 1"),
        dict(GOOD[2], name="М" * 200_000),
        dict(FOURTH, name="\\N"),
        dict(FOURTH, institution_id="i5", vk_url="vk.com/club405"),
    ]
    report = import_registry(write_csv(tmp_path / "r.csv", rows), url=reference)
    assert report.institutions == 2
    assert [(r.row_number, r.reason) for r in report.rejects] == [
        (2, "NUL byte in name (a binary file, or UTF-16 saved without its mark?)"),
        (3, "name is 200,000 characters long (at most 2,000): a broken export?"),
        (4, "name is '\\N', a NULL marker of a database export, not a value"),
    ]
    with psycopg2.connect(reference) as conn, conn.cursor() as cur:
        cur.execute("select row_number, raw_row ->> 'name' from registry.rejects order by row_number")
        kept = cur.fetchall()
    assert kept == [(2, "Школа\\x00№ 1"), (3, "М" * 200 + "… (200,000 characters)"), (4, "\\N")]
