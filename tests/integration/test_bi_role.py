"""The read-only BI role on the real warehouse: a BI login (``bi_role.add_user``) logs in over TCP
with its password, reads every table of the marts, cannot read raw / registry / reference / audit /
staging / intermediate data, cannot write anything, and keeps its access after dbt rebuilds the
tables — through the default privileges and through the dbt on-run-end hook, each on its own.
"""

from __future__ import annotations

import uuid

import bi_world as w
import psycopg2
import psycopg2.errors
import pytest

from gospubliki.transform import dbt
from gospubliki.warehouse import bi_role

pytestmark = pytest.mark.integration

PRIVATE_RELATIONS = (
    "raw.loads",
    "raw.vk_pages",
    "raw.vk_posts",
    "registry.institutions",
    "registry.pages",
    "registry.rejects",
    "reference.regions",
    "audit.validations",
    "staging.stg_vk__pages",
    "staging.stg_registry__institutions",
    "intermediate.int_page_days_unioned",
    "intermediate.int_pages_joined_to_institutions",
)


@pytest.fixture
def password():
    return f"bi-{uuid.uuid4().hex}"


@pytest.fixture
def reader_name(fresh_db):
    """A BI login of this test (cluster-wide, so removed afterwards)."""
    name = f"bi_test_{uuid.uuid4().hex[:8]}"
    yield name
    if any(u.name == name for u in bi_role.list_users()):
        bi_role.remove_user(name)


def build_models(url: str, tmp_path, full_refresh: bool = False) -> None:
    """dbt build of every seed and model (the data tests are covered elsewhere)."""
    args = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
    if full_refresh:
        args.append("--full-refresh")
    dbt.run_dbt(args, url, target_path=tmp_path / "target", log_path=tmp_path / "logs")


def execute(url: str, statement: str) -> None:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def tables(url: str, schema: str) -> dict[str, int]:
    """Tables and views of a schema (as their owner sees them) with their oids."""
    rows = w.fetch(
        url,
        """select c.relname, c.oid::bigint as oid
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = %s and c.relkind in ('r', 'p', 'v')""",
        (schema,),
    )
    return {r["relname"]: r["oid"] for r in rows}


def connect_reader(url: str, name: str, password: str):
    conn = psycopg2.connect(bi_role.login_url(name, password, url))
    conn.autocommit = True
    return conn


def count_as(conn, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"select count(*) from {table}")
        return cur.fetchone()[0]


def fails(conn, statement: str, error: type[Exception]) -> bool:
    with conn.cursor() as cur:
        try:
            cur.execute(statement)
        except error:
            return True
    return False


def test_reader_sees_the_marts_only_cannot_write_and_keeps_access_after_a_full_rebuild(
    fresh_db, tmp_path, password, reader_name
):
    world = w.prepare(fresh_db, tmp_path)
    w.publish(world, w.D0)
    build_models(fresh_db, tmp_path)

    first = bi_role.ensure(fresh_db)
    again = bi_role.ensure(fresh_db)  # idempotent
    bi_role.add_user(reader_name, password, url=fresh_db)
    marts, config = tables(fresh_db, "marts"), tables(fresh_db, "marts_config")
    assert {
        "national_summary",
        "sector_summary",
        "region_summary",
        "page_compliance",
        "best_posts_weekly",
        "engagement_page_weekly",
        "fct_page_daily",
        "municipality_summary",
        "page_alerts_daily",
    } <= set(marts)
    assert first.tables_readable == again.tables_readable == len(marts) + len(config)

    roles = {
        r["rolname"]: r
        for r in w.fetch(
            fresh_db,
            """select rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolconfig
               from pg_roles where rolname in (%s, %s)""",
            (bi_role.GROUP_ROLE, reader_name),
        )
    }
    assert roles[bi_role.GROUP_ROLE]["rolcanlogin"] is False
    reader_role = roles[reader_name]
    assert reader_role["rolcanlogin"] is True
    assert not (reader_role["rolsuper"] or reader_role["rolcreaterole"] or reader_role["rolcreatedb"])
    assert "default_transaction_read_only=on" in reader_role["rolconfig"]
    assert w.fetch(
        fresh_db, "select pg_has_role(%s, %s, 'member') as m", (reader_name, bi_role.GROUP_ROLE)
    )[0]["m"]

    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(bi_role.login_url(reader_name, "not-the-password", fresh_db)).close()

    reader = connect_reader(fresh_db, reader_name, password)
    try:
        # every table of the marts (and the methodology seeds) reads the same rows as for the owner
        for schema, names in (("marts", marts), ("marts_config", config)):
            for name in names:
                table = f"{schema}.{name}"
                assert (
                    count_as(reader, table) == w.fetch(fresh_db, f"select count(*) as n from {table}")[0]["n"]
                ), table
        assert count_as(reader, "marts.fct_page_daily") == len(w.PAGES)
        # nothing else is readable
        for relation in PRIVATE_RELATIONS:
            assert fails(
                reader, f"select 1 from {relation} limit 1", psycopg2.errors.InsufficientPrivilege
            ), relation

        # sessions are read-only by default …
        assert fails(
            reader,
            "insert into marts.national_summary (network) values ('vk')",
            psycopg2.errors.ReadOnlySqlTransaction,
        )
        # … and even a session switched to read-write has no right to write
        with reader.cursor() as cur:
            cur.execute("set session characteristics as transaction read write")
        denied = psycopg2.errors.InsufficientPrivilege
        for statement in (
            "insert into marts.national_summary (network) values ('vk')",
            "update marts.national_summary set pages = 0",
            "delete from marts.national_summary",
            "truncate marts.fct_page_daily",
            "create table marts.bi_scratch (a integer)",
            "drop table marts.region_summary",
            "alter table marts.sector_summary add column x integer",
            "create view marts.bi_view as select 1 as a",
            "update marts_config.compliance_thresholds set value = 0",
            "insert into raw.loads (source, snapshot_date, status) values ('vk', '2025-01-01', 'validated')",
            "create schema bi_scratch",
        ):
            assert fails(reader, statement, denied), statement
    finally:
        reader.close()
    assert w.fetch(fresh_db, "select count(*) as n from marts.national_summary where pages = 0")[0]["n"] == 0

    # a full rebuild replaces every table (new oids): the reader still reads all of them
    build_models(fresh_db, tmp_path, full_refresh=True)
    rebuilt = tables(fresh_db, "marts")
    assert set(rebuilt) == set(marts)
    assert all(rebuilt[name] != marts[name] for name in marts)
    reader = connect_reader(fresh_db, reader_name, password)
    try:
        for name in rebuilt:
            count_as(reader, f"marts.{name}")
        assert count_as(reader, "marts.fct_page_daily") == len(w.PAGES)
        assert fails(reader, "select 1 from raw.vk_pages", psycopg2.errors.InsufficientPrivilege)
    finally:
        reader.close()


def test_default_privileges_and_the_dbt_hook_each_restore_access(fresh_db, tmp_path, password, reader_name):
    # the role is set up on an empty warehouse, before dbt ever ran
    report = bi_role.ensure(fresh_db)
    bi_role.add_user(reader_name, password, url=fresh_db)
    assert report.readable_schemas == ["marts", "marts_config"] and report.tables_readable == 0
    world = w.prepare(fresh_db, tmp_path)
    w.publish(world, w.D0)
    build_models(fresh_db, tmp_path)
    reader = connect_reader(fresh_db, reader_name, password)
    try:
        for name in tables(fresh_db, "marts"):
            count_as(reader, f"marts.{name}")

        # default privileges alone: a table the dbt user creates outside dbt (no hook runs)
        execute(fresh_db, "create table marts.created_outside_dbt as select 1 as a")
        assert count_as(reader, "marts.created_outside_dbt") == 1
        # a table of another schema stays invisible, whoever created it
        execute(fresh_db, "create table raw.created_outside_dbt as select 1 as a")
        assert fails(reader, "select * from raw.created_outside_dbt", psycopg2.errors.InsufficientPrivilege)

        # the hook alone: SELECT revoked by hand on an incremental table that the next build keeps
        oid = tables(fresh_db, "marts")["fct_page_daily"]
        execute(fresh_db, f"revoke select on marts.fct_page_daily from {bi_role.GROUP_ROLE}")
        assert fails(reader, "select 1 from marts.fct_page_daily", psycopg2.errors.InsufficientPrivilege)
        build_models(fresh_db, tmp_path)
        assert tables(fresh_db, "marts")["fct_page_daily"] == oid  # not recreated: the grant is the hook's
        assert count_as(reader, "marts.fct_page_daily") == len(w.PAGES)
    finally:
        reader.close()
