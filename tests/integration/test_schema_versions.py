"""The versioned warehouse schema: a warehouse made before versioning (the baseline files only,
with data landed by the code of that time) is upgraded by ``apply_schema`` and keeps every row.

``data/warehouse_v1.sql.gz`` is a data-only dump (reference, registry, raw, audit) of a small
simulated region — registry import, two days of VK, OK and Telegram loads, validated — made with
the code at commit 04a56ba, before schema versioning."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from gospubliki.warehouse import db, migrations

pytestmark = pytest.mark.integration

V1_DUMP = Path(__file__).with_name("data") / "warehouse_v1.sql.gz"
SCHEMAS = ("reference", "registry", "raw", "audit")


def _tables(cur) -> list[str]:
    cur.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
        " where table_schema = any(%s) and table_type = 'BASE TABLE' and table_name <> 'schema_migrations'"
        " order by 1",
        (list(SCHEMAS),),
    )
    return [r[0] for r in cur.fetchall()]


def _columns(cur, table: str) -> list[str]:
    schema, name = table.split(".")
    cur.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
        " order by ordinal_position",
        (schema, name),
    )
    return [r[0] for r in cur.fetchall()]


def _fingerprint(cur, table: str, columns: list[str]) -> tuple[int, str]:
    """Row count and an order-independent hash of the rows' text in ``columns``."""
    cols = ", ".join(f'"{c}"::text' for c in columns)
    cur.execute(
        f"select count(*), coalesce(md5(string_agg(r, '|' order by r)), '') from"
        f" (select concat_ws(chr(31), {cols}) as r from {table}) t"
    )
    n, digest = cur.fetchone()
    return n, digest


def _previous_warehouse(url: str) -> dict[str, tuple[list[str], tuple[int, str]]]:
    """The baseline schema without a version table, filled from the v1 dump."""
    with db.connect(url) as conn, conn.cursor() as cur:
        for path in migrations.BASELINE_FILES:
            cur.execute(path.read_text())
        cur.execute(gzip.decompress(V1_DUMP.read_bytes()).decode())
        before = {}
        for table in _tables(cur):
            columns = _columns(cur, table)
            before[table] = (columns, _fingerprint(cur, table, columns))
    return before


def test_a_warehouse_from_before_versioning_is_upgraded_without_losing_a_row(fresh_db):
    before = _previous_warehouse(fresh_db)
    assert before["raw.loads"][1][0] == 6 and before["raw.vk_posts"][1][0] > 0  # 2 days x 3 networks

    applied = db.apply_schema(fresh_db)
    assert applied == [1] + [m.version for m in migrations.migrations()]
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("select version from audit.schema_migrations order by version")
        assert [r[0] for r in cur.fetchall()] == [1] + [m.version for m in migrations.migrations()]
        for table, (columns, fingerprint) in before.items():
            assert set(columns) <= set(_columns(cur, table)), f"{table} lost a column"
            assert _fingerprint(cur, table, columns) == fingerprint, f"{table} changed"
        cur.execute("select status, count(*) from raw.loads group by 1")
        assert dict(cur.fetchall()) == {"validated": 6}

    assert db.apply_schema(fresh_db) == []  # up to date: nothing applied twice


def test_a_new_warehouse_gets_every_version_once(fresh_db):
    assert db.apply_schema(fresh_db) == [1] + [m.version for m in migrations.migrations()]
    assert db.apply_schema(fresh_db) == []


def test_migration_files_are_numbered_once_each(tmp_path, monkeypatch):
    (tmp_path / "0002_one.sql").write_text("select 1;")
    (tmp_path / "0003_two.sql").write_text("select 1;")
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", tmp_path)
    assert [(m.version, m.name) for m in migrations.migrations()] == [(2, "one"), (3, "two")]
    assert migrations.latest_version() == 3
    (tmp_path / "0003_again.sql").write_text("select 1;")
    with pytest.raises(RuntimeError, match="two migrations numbered 3"):
        migrations.migrations()
    (tmp_path / "0003_again.sql").unlink()
    (tmp_path / "0001_baseline.sql").write_text("select 1;")
    with pytest.raises(RuntimeError, match="NNNN > 0001"):
        migrations.migrations()


def test_counts_widen_to_bigint_under_dbt_views_and_marts(fresh_db):
    """Migrations 0010/0011 (issue 7): raw counts become bigint and likes/reposts/comments
    nullable even when dbt's views read those columns (dropped, rebuilt by the next dbt build),
    and an incremental mart's integer counts are widened in place, its rows kept."""
    before = _previous_warehouse(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("create schema staging; create schema intermediate; create schema marts")
        cur.execute("create view staging.stg_vk__posts as select load_id, likes as like_count from raw.vk_posts")
        cur.execute("create view intermediate.int_posts as select * from staging.stg_vk__posts")
        cur.execute(
            "create table marts.fct_post as"
            " select post_id, views::integer as view_count from raw.vk_posts where views is not null"
        )
        cur.execute("select count(*), sum(view_count) from marts.fct_post")
        mart_before = cur.fetchone()
    db.apply_schema(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute(
            "select table_name, column_name, data_type, is_nullable from information_schema.columns"
            " where (table_schema, table_name) in (('raw', 'vk_posts'), ('raw', 'vk_pages'), ('marts', 'fct_post'))"
            " and column_name in ('likes', 'members_count', 'view_count')"
        )
        assert sorted(cur.fetchall()) == [
            ("fct_post", "view_count", "bigint", "YES"),
            ("vk_pages", "members_count", "bigint", "YES"),
            ("vk_posts", "likes", "bigint", "YES"),
        ]
        cur.execute("select to_regclass('staging.stg_vk__posts'), to_regclass('intermediate.int_posts')")
        assert cur.fetchone() == (None, None)  # dbt's views: rebuilt by the next dbt build
        cur.execute("select count(*), sum(view_count) from marts.fct_post")
        assert cur.fetchone() == mart_before
        for table, (columns, fingerprint) in before.items():
            assert _fingerprint(cur, table, columns) == fingerprint, f"{table} changed"


def test_page_grain_unique_indexes_become_led_by_the_date(fresh_db):
    """Migration 0700 (issue #10): a warehouse whose page-grain marts have dbt's unique index on
    (page_key, date), under dbt's hashed name, gets one on (date, page_key) instead: a day's
    inserts then append to the index rather than touch every leaf page. Rows are kept; the
    other indexes too."""
    _previous_warehouse(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("create schema marts")
        cur.execute("create table marts.fct_page_daily (page_key text, snapshot_date date, members_count integer)")
        cur.execute("create unique index fa47e1f7e7be64007e425c6dbce405dc on marts.fct_page_daily (page_key, snapshot_date)")
        cur.execute("create index d14f2ab5 on marts.fct_page_daily (page_key)")
        cur.execute("create table marts.engagement_page_weekly (page_key text, week_start_date date)")
        cur.execute("create unique index e48cbba5 on marts.engagement_page_weekly (page_key, week_start_date)")
        cur.execute("insert into marts.fct_page_daily values ('vk:1', '2026-11-01', 5), ('vk:1', '2026-11-02', 6)")
    db.apply_schema(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute(
            "select tablename, indexname, regexp_replace(indexdef, '^.* USING ', '') from pg_indexes"
            " where schemaname = 'marts' order by 1, 2"
        )
        assert cur.fetchall() == [
            ("engagement_page_weekly", "engagement_page_weekly_week_start_date_page_key_uidx",
             "btree (week_start_date, page_key)"),
            ("fct_page_daily", "d14f2ab5", "btree (page_key)"),
            ("fct_page_daily", "fct_page_daily_snapshot_date_page_key_uidx", "btree (snapshot_date, page_key)"),
        ]
        cur.execute("select count(*) from marts.fct_page_daily")
        assert cur.fetchone() == (2,)


def test_fct_page_daily_loses_page_day_id_and_its_bounded_counts_become_integer(fresh_db):
    """Migration 0850 (issue #10): an existing fct_page_daily loses page_day_id (NOT NULL there,
    no longer written by the model: the first daily insert would fail) and its four bounded
    counts become integer (the contracts downstream declare integer and dbt checks them against
    this table); a view on it goes (dbt rebuilds it); the rows and the other columns stay."""
    _previous_warehouse(fresh_db)
    columns = ("page_day_id text not null, page_key text not null, snapshot_date date not null,"
               " members_count bigint, posts_7d bigint, views_7d bigint, posts_with_views_7d bigint,"
               " posts_with_interactions_7d bigint")
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("create schema marts")
        cur.execute(f"create table marts.fct_page_daily ({columns})")
        cur.execute("insert into marts.fct_page_daily values"
                    " ('vk:1/2026-11-01', 'vk:1', '2026-11-01', 200000000, 3, 5000000000, 2, 1)")
        cur.execute("create view marts.page_compliance as select * from marts.fct_page_daily")
    db.apply_schema(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("select column_name, data_type from information_schema.columns"
                    " where table_schema = 'marts' and table_name = 'fct_page_daily' order by ordinal_position")
        assert cur.fetchall() == [
            ("page_key", "text"), ("snapshot_date", "date"), ("members_count", "integer"), ("posts_7d", "integer"),
            ("views_7d", "bigint"), ("posts_with_views_7d", "integer"), ("posts_with_interactions_7d", "integer"),
        ]
        cur.execute("select * from marts.fct_page_daily")
        assert cur.fetchall() == [("vk:1", date(2026, 11, 1), 200000000, 3, 5000000000, 2, 1)]
        cur.execute("select to_regclass('marts.page_compliance')")
        assert cur.fetchone() == (None,)
        cur.execute("insert into marts.fct_page_daily (page_key, snapshot_date) values ('vk:1', '2026-11-02')")


def test_the_weekly_and_post_facts_lose_their_stored_names_and_the_weekly_id(fresh_db):
    """Migration 0860 (issue #10): an existing engagement_page_weekly loses engagement_page_weekly_id
    (NOT NULL there, no longer written: the first insert would fail) and page_name, fct_post loses
    page_name; a view on either goes (dbt rebuilds it); the rows and the other columns stay."""
    _previous_warehouse(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("create schema marts")
        cur.execute("create table marts.engagement_page_weekly (engagement_page_weekly_id text not null,"
                    " page_key text not null, week_start_date date not null, page_name text, post_count bigint)")
        cur.execute("insert into marts.engagement_page_weekly"
                    " values ('vk:1/2026-W45', 'vk:1', '2026-11-02', 'Школа № 1', 3)")
        cur.execute("create table marts.fct_post (post_key text not null, page_name text, view_count bigint)")
        cur.execute("insert into marts.fct_post values ('vk:1_1', 'Школа № 1', 5000000000)")
        cur.execute("create view marts.best_posts_weekly as select * from marts.fct_post")
    db.apply_schema(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("select * from marts.engagement_page_weekly")
        assert cur.fetchall() == [("vk:1", date(2026, 11, 2), 3)]
        cur.execute("select * from marts.fct_post")
        assert cur.fetchall() == [("vk:1_1", 5000000000)]
        cur.execute("select to_regclass('marts.best_posts_weekly')")
        assert cur.fetchone() == (None,)
        cur.execute("insert into marts.engagement_page_weekly (page_key, week_start_date) values ('vk:1', '2026-11-09')")
