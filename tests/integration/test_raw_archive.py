"""Raw months out of the warehouse after their retention (issue #10, storage; warehouse/archive.py):
a month partition is written to a gzip'd CSV file and dropped once every load of it is in the
marts; the daily build does not miss it; a load next to it and a full refresh that would lose it
are refused; a restore brings back the same rows; a crash between the file and the drop loses
nothing; a damaged file is not restored."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import psycopg2
import pytest

from gospubliki.errors import UserError
from gospubliki.history import generate as gen
from gospubliki.history import seed
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import build_world
from gospubliki.transform import dbt
from gospubliki.warehouse import archive, db, loads
from gospubliki.warehouse.loads import RawBatch

pytestmark = pytest.mark.integration

SEED_DAY = date(2026, 3, 10)
DAYS = 45  # 2026-01-25 … 2026-03-10: January (7 days), February (28), March (10)
TODAY = date(2026, 6, 1)  # 92 days back: 2026-03-01, so January and February have ended before it
TABLES = ("raw.ok_pages", "raw.ok_posts", "raw.tg_pages", "raw.tg_posts", "raw.vk_pages", "raw.vk_posts")
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))


def rows(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def fingerprint(url: str, table: str, month: date) -> tuple[int, str]:
    """Rows and md5 of every row of one raw table's month, in a fixed order."""
    (found,) = rows(
        url,
        f"""select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), ''))
            from {table} as t where snapshot_date >= %s and snapshot_date < %s""",
        (month, (month + timedelta(days=32)).replace(day=1)),
    )
    return found


def marts_fingerprint(url: str) -> dict[str, tuple]:
    """Rows and md5 of each fact mart, without the build's own timestamps."""
    row = "(to_jsonb(t) - 'processed_at' - 'source_processed_at')::text"
    return {
        mart: rows(url, f"select count(*), md5(string_agg({row}, '|' order by {row})) from marts.{mart} as t")[0]
        for mart in ("fct_page_daily", "fct_post", "fct_page_compliance", "engagement_page_weekly")
    }


FACT_DATES = {"fct_page_daily": "snapshot_date", "fct_page_compliance": "snapshot_date",
              "engagement_page_weekly": "week_start_date", "fct_post": "week_start_date"}


def date_correlation(url: str, mart: str, column: str) -> float:
    """pg_stats.correlation of a mart's date column (1.0: rows on disk in date order), to 2 places."""
    rows(url, f"analyze marts.{mart}")
    (found,) = rows(url, "select correlation from pg_stats where schemaname = 'marts' and tablename = %s"
                         " and attname = %s", (mart, column))
    return round(found[0], 2)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def world(module_db, monkeypatch_module, tmp_path_factory):
    """45 days of a small region's history, the marts not built yet."""
    archive_dir = tmp_path_factory.mktemp("archive")
    monkeypatch_module.setenv("GOSPUBLIKI_WAREHOUSE_URL", module_db)
    monkeypatch_module.setenv("GOSPUBLIKI_ARCHIVE_DIR", str(archive_dir))
    db.apply_schema(module_db)
    simulated = build_world(Scale.from_name("region", factor=0.1), seed=3)
    seed.import_world(simulated, module_db)
    seed.extract_day(simulated, SEED_DAY, url=module_db, validate=False, say=lambda _: None)
    gen.generate(DAYS, end=SEED_DAY, seed=7, url=module_db)  # the seed day and the 44 before it
    return module_db, archive_dir


@pytest.fixture(scope="module")
def archived(world):
    """What archive_raw did, with the fingerprints taken before it: first with no marts (nothing
    may go), then after the marts are built."""
    url, archive_dir = world
    before_marts = archive.archive_raw(92, today=TODAY, url=url)
    dbt.build(url)
    raw_before = {(t, m): fingerprint(url, t, m) for t in TABLES for m in (JAN, FEB, MAR)}
    marts_before = marts_fingerprint(url)
    done, kept = archive.archive_raw(92, today=TODAY, url=url)
    return before_marts, done, kept, raw_before, marts_before


def test_nothing_is_archived_before_the_marts_hold_the_month(archived):
    (done, kept), *_ = archived
    assert done == []
    assert [(k.month, k.reason) for k in kept] == [(JAN, "no marts built yet (marts.fct_page_daily)"),
                                                    (FEB, "no marts built yet (marts.fct_page_daily)")]


def test_months_past_the_retention_leave_the_warehouse_as_checked_files(archived, world):
    url, archive_dir = world
    _, done, kept, raw_before, _ = archived
    assert kept == []
    assert sorted((a.table, a.month) for a in done) == [(t, m) for t in TABLES for m in (JAN, FEB)]
    # the partitions are gone, March's stays; the parents read nothing of those months
    partitions = {name for (name,) in rows(url, "select relname from pg_class where relnamespace = 'raw'::regnamespace "
                                                "and relname ~ '_p2026(01|02|03)$'")}
    assert partitions == {f"{t.removeprefix('raw.')}_p202603" for t in TABLES}
    for table in TABLES:
        assert fingerprint(url, table, JAN)[0] == 0 and fingerprint(url, table, FEB)[0] == 0
        assert fingerprint(url, table, MAR) == raw_before[(table, MAR)]
    # each file: its record's rows, bytes and SHA-256; its rows are the month's rows
    records = rows(url, "select table_name, month, file, rows, bytes, sha256 from audit.raw_archives order by 1, 2")
    assert len(records) == 12
    for table, month, file, n, size, sha256 in records:
        path = archive_dir / file
        assert file == f"{table}/{month:%Y-%m}.csv.gz"
        assert path.stat().st_size == size
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
        body = list(csv.reader(io.StringIO(gzip.decompress(path.read_bytes()).decode())))
        assert len(body) - 1 == n == raw_before[(table, month)][0] > 0
        assert {line[body[0].index("snapshot_date")][:7] for line in body[1:]} == {f"{month:%Y-%m}"}
    assert not list(archive_dir.rglob("*.tmp"))


def test_the_next_daily_build_does_not_miss_the_archived_months(archived, world):
    url, _ = world
    *_, marts_before = archived
    dbt.build(url)  # nothing new: the marts keep every archived day as it was
    assert marts_fingerprint(url) == marts_before
    assert rows(url, "select min(snapshot_date), count(distinct snapshot_date) from marts.fct_page_daily") == [
        (SEED_DAY - timedelta(days=DAYS - 1), DAYS)
    ]


def _page_batch(day: date) -> list[RawBatch]:
    columns = ["snapshot_date", "page_key", "group_id", "members_count", "fetch_status", "payload"]
    return [RawBatch("raw.vk_pages", columns, [(day, "vk:1", 1, 10, "ok", {"id": 1})])]


@pytest.mark.parametrize(("day", "restore"), [
    (date(2026, 2, 20), "--month 2026-01 --month 2026-02"),  # its month and the month before
    (date(2026, 3, 25), "--month 2026-02"),  # March is kept, but its weeks re-read February's posts
])
def test_a_load_in_or_after_an_archived_month_is_refused_before_anything_is_written(archived, world, day, restore):
    url, _ = world
    loads_before = rows(url, "select count(*) from raw.loads")
    with pytest.raises(archive.ArchivedRawError, match=f"restore them first: gospubliki warehouse restore-raw {restore}$"):
        loads.land("vk", day, _page_batch(day), url=url)
    assert rows(url, "select count(*) from raw.loads") == loads_before


def test_the_command_line_says_it_in_one_line(archived, world):
    url, archive_dir = world
    env = {**os.environ, "GOSPUBLIKI_WAREHOUSE_URL": url, "GOSPUBLIKI_ARCHIVE_DIR": str(archive_dir), "COLUMNS": "250"}
    listed = subprocess.run([GOSPUBLIKI, "warehouse", "archive-raw", "--list"], capture_output=True, text=True, env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [f"archived months: 2026-01, 2026-02 (files under {archive_dir})"]
    bad = subprocess.run([GOSPUBLIKI, "warehouse", "restore-raw", "--month", "2026-13"], capture_output=True,
                         text=True, env=env)
    assert (bad.returncode, bad.stderr.splitlines()) == (2, ["error: not a month (expected YYYY-MM): '2026-13'"])
    absent = subprocess.run([GOSPUBLIKI, "warehouse", "restore-raw", "--month", "2025-12"], capture_output=True,
                            text=True, env=env)
    assert absent.returncode == 2 and "Traceback" not in absent.stderr
    assert absent.stderr.splitlines() == [
        "error: no archive of 2025-12 (gospubliki warehouse archive-raw --list shows what is archived)"]


def test_a_full_refresh_that_would_lose_the_archived_months_is_refused(archived, world):
    url, _ = world
    with pytest.raises(dbt.DbtFailed) as refused:
        dbt.build(url, full_refresh=True)
    message = "\n".join(refused.value.lines(one_line_each=True))
    assert "full refresh of fct_page_daily, fct_post, int_page_names_latest refused: the raw rows of 2026-01, 2026-02 are archived" in message
    assert "restore them first: gospubliki warehouse restore-raw" in message
    # a mart rebuilt from the marts only is not concerned
    assert dbt.build(url, select="national_summary", full_refresh=True).success


def test_a_damaged_file_is_not_restored(archived, world):
    url, archive_dir = world
    path = archive_dir / "raw.vk_posts" / "2026-01.csv.gz"
    good = path.read_bytes()
    path.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    try:
        with pytest.raises(UserError, match="does not match its record .SHA-256 differs.: nothing restored$"):
            archive.restore_raw([JAN], url=url)
        # checked before any file is restored: not even the months' other tables came back
        assert rows(url, "select count(*) from audit.raw_archives") == [(12,)]
        assert all(fingerprint(url, table, JAN)[0] == 0 for table in TABLES)
    finally:
        path.write_bytes(good)


def test_a_restore_brings_back_the_same_rows_and_a_full_refresh_runs_again(archived, world):
    url, archive_dir = world
    _, _, _, raw_before, marts_before = archived
    restored = archive.restore_raw(url=url)
    assert sorted((r.table, r.month) for r in restored) == [(t, m) for t in TABLES for m in (JAN, FEB)]
    for table in TABLES:
        for month in (JAN, FEB, MAR):
            assert fingerprint(url, table, month) == raw_before[(table, month)], (table, month)
    assert rows(url, "select count(*) from audit.raw_archives") == [(0,)]
    assert sorted(p.name for p in archive_dir.rglob("*") if p.is_file()) == []
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        archive.refuse_archived(cur, date(2026, 2, 20))  # no longer refused
    dbt.build(url, full_refresh=True)
    assert marts_fingerprint(url) == marts_before
    # …and writes the facts in date order, as daily builds leave them (macro
    # in_date_order_on_full_refresh): PostgreSQL's correlation of the date with the rows' place on
    # disk is 1.0 for a table in date order (not exactly: a short row may fill an earlier page)
    assert {mart: date_correlation(url, mart, column) for mart, column in FACT_DATES.items()} == {
        mart: 1.0 for mart in FACT_DATES}


def test_a_month_with_a_load_not_finished_stays(world):
    url, _ = world
    unfinished = [rows(url, """insert into raw.loads (source, snapshot_date, status) values ('vk', %s, 'loaded')
                               returning load_id""", (day,))[0][0]
                  for day in (date(2026, 1, 30), date(2026, 2, 10), date(2026, 3, 5))]
    try:
        done, kept = archive.archive_raw(35, today=date(2026, 5, 15), url=url)
        assert done == []
        assert [(k.month, k.reason) for k in kept] == [
            (month, "1 load(s) of the month not finished (landed, not validated or failed)") for month in (JAN, FEB, MAR)]
    finally:
        rows(url, "delete from raw.loads where load_id = any(%s)", (unfinished,))


def test_a_crash_between_the_file_and_the_drop_loses_nothing(archived, world):
    """kill -9 once the first file is on disk, before its partition is dropped (crash point
    ``archive``); the next run archives every month as if nothing happened."""
    url, archive_dir = world
    _, _, _, raw_before, _ = archived
    env = {**os.environ, "GOSPUBLIKI_WAREHOUSE_URL": url, "GOSPUBLIKI_ARCHIVE_DIR": str(archive_dir),
           "GOSPUBLIKI_TEST_CRASH_AT": "archive"}
    # 35 days before the newest snapshot date (2026-03-10): January
    command = [GOSPUBLIKI, "warehouse", "archive-raw", "--retention-days", "35"]
    crashed = subprocess.run(command, capture_output=True, text=True, env=env)
    assert crashed.returncode == -9, (crashed.returncode, crashed.stderr)
    assert rows(url, "select count(*) from audit.raw_archives") == [(0,)]
    assert [p.relative_to(archive_dir).as_posix() for p in archive_dir.rglob("*.csv.gz")] == ["raw.ok_pages/2026-01.csv.gz"]
    for table in TABLES:
        assert fingerprint(url, table, JAN) == raw_before[(table, JAN)]
    del env["GOSPUBLIKI_TEST_CRASH_AT"]
    again = subprocess.run(command, capture_output=True, text=True, env={**env, "COLUMNS": "250"})
    assert again.returncode == 0, again.stderr
    assert "6 partitions archived, 0 months kept" in again.stdout
    assert rows(url, "select table_name, month, rows from audit.raw_archives order by 1, 2") == [
        (t, JAN, raw_before[(t, JAN)][0]) for t in TABLES]
    # the default retention (92 days) counts back from the newest snapshot date, not the clock:
    # nothing of this world of early 2026 is old enough
    default = subprocess.run(command[:-2], capture_output=True, text=True, env={**env, "COLUMNS": "250"})
    assert "0 partitions archived, 0 months kept" in default.stdout


def test_rows_written_again_into_an_archived_month_never_overwrite_its_file(world):
    """Something that bypasses loads.land (a history generated over an archived month) can give
    the month a partition again: its rows are kept, the file of the archived rows is untouched."""
    url, archive_dir = world
    path = archive_dir / "raw.vk_pages" / "2026-01.csv.gz"
    kept_file = path.read_bytes()
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        (load_id,) = rows(url, "select load_id from raw.loads where source = 'vk' and snapshot_date = '2026-03-01' "
                               "and status = 'validated'")[0]
        cur.execute("select raw.ensure_month_partitions('2026-01-01', array['vk_pages'])")
        cur.execute("""insert into raw.vk_pages (load_id, snapshot_date, page_key, fetch_status)
                       values (%s, '2026-01-15', 'vk:1', 'ok')""", (load_id,))
    done, kept = archive.archive_raw(35, url=url)
    assert done == []
    assert [(k.month, k.reason) for k in kept] == [(JAN, "raw.vk_pages: archived before, and its partition holds rows "
                                                         "again; restore the archive first (gospubliki warehouse "
                                                         "restore-raw --month 2026-01)")]
    assert path.read_bytes() == kept_file
    assert fingerprint(url, "raw.vk_pages", JAN)[0] == 1

