"""Storage (issue 10, item 3): the raw network tables are partitioned by month (migration 0300) and
API payloads are dropped after their retention, the rows staying."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gospubliki.warehouse import db, loads
from gospubliki.warehouse.loads import RawBatch

pytestmark = pytest.mark.integration

PAGE_COLUMNS = ["snapshot_date", "page_key", "group_id", "members_count", "fetch_status", "payload"]
POST_COLUMNS = ["snapshot_date", "page_key", "group_id", "post_id", "posted_at", "likes", "reposts", "comments", "payload"]


def _sql(url, query, params=()):
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else None


def _land(url, day: date, pages: int = 3) -> int:
    page_rows = [(day, f"vk:{i}", i, 100 + i, "ok", {"id": i, "members_count": 100 + i}) for i in range(1, pages + 1)]
    posted = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
    post_rows = [(day, "vk:1", 1, n, posted, 1, 0, 0, {"id": n, "text": "пост"}) for n in (1, 2)]
    load = loads.land("vk", day, [RawBatch("raw.vk_pages", PAGE_COLUMNS, page_rows),
                                  RawBatch("raw.vk_posts", POST_COLUMNS, post_rows)], url=url)
    loads.publish(load.load_id, url=url)
    return load.load_id


def _per_partition(url, table: str) -> dict[str, int]:
    return dict(_sql(url, f"select tableoid::regclass::text, count(*) from raw.{table} group by 1"))


def test_loads_land_in_their_month_partition_and_a_stray_row_moves_out_of_default(fresh_db):
    db.apply_schema(fresh_db)
    assert _sql(fresh_db, "select relkind from pg_class where oid = 'raw.vk_posts'::regclass") == [("p",)]
    _land(fresh_db, date(2026, 10, 31))
    first_nov = _land(fresh_db, date(2026, 11, 1))
    _land(fresh_db, date(2026, 11, 1))  # supersedes the first: its rows go, in the partition too
    assert _per_partition(fresh_db, "vk_pages") == {"raw.vk_pages_p202610": 3, "raw.vk_pages_p202611": 3}
    assert _per_partition(fresh_db, "vk_posts") == {"raw.vk_posts_p202610": 2, "raw.vk_posts_p202611": 2}
    assert _sql(fresh_db, "select count(*) from raw.vk_pages where load_id = %s", (first_nov,)) == [(0,)]
    # a row written without its month's partition lands in DEFAULT and moves when the partition is made
    _sql(fresh_db, """insert into raw.vk_pages (load_id, snapshot_date, page_key, fetch_status)
                      values (%s, '2026-12-05', 'vk:9', 'ok')""", (first_nov,))
    assert _per_partition(fresh_db, "vk_pages")["raw.vk_pages_pdefault"] == 1
    _sql(fresh_db, "select raw.ensure_month_partitions('2026-12-05', array['vk_pages'])")
    assert _per_partition(fresh_db, "vk_pages") == {
        "raw.vk_pages_p202610": 3, "raw.vk_pages_p202611": 3, "raw.vk_pages_p202612": 1,
    }
    # without a list: every partitioned raw table, from the catalog (migration 0800)
    _sql(fresh_db, "select raw.ensure_month_partitions('2027-03-05')")
    assert [r[0] for r in _sql(fresh_db, """select inhparent::regclass::text from pg_inherits
                                             where inhrelid::regclass::text like 'raw.%%p202703' order by 1""")] == [
        "raw.ok_pages", "raw.ok_posts", "raw.tg_pages", "raw.tg_posts", "raw.vk_pages", "raw.vk_posts"]
    # the raw tables a network's loads cover are the parents, never their partitions
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        assert loads.raw_tables_of(cur, "vk") == ["raw.quarantine", "raw.vk_pages", "raw.vk_posts"]


def test_payloads_older_than_the_retention_are_dropped_rows_stay(fresh_db):
    db.apply_schema(fresh_db)
    old, new = _land(fresh_db, date(2026, 10, 31)), _land(fresh_db, date(2026, 11, 1))
    dropped = loads.drop_payloads(5, today=date(2026, 11, 6), url=fresh_db)  # before 2026-11-01
    assert dropped == {"raw.ok_pages": 0, "raw.ok_posts": 0, "raw.tg_pages": 0, "raw.tg_posts": 0,
                       "raw.vk_pages": 3, "raw.vk_posts": 2}
    assert _sql(fresh_db, """select load_id, count(*), count(payload), sum(members_count) from raw.vk_pages
                             group by 1 order by 1""") == [(old, 3, 0, 306), (new, 3, 3, 306)]
    assert _sql(fresh_db, "select load_id, count(*), count(payload) from raw.vk_posts group by 1 order by 1") == [
        (old, 2, 0), (new, 2, 2)]
    assert _sql(fresh_db, "select load_id, details ? 'payload_dropped_at' from raw.loads order by 1") == [
        (old, True), (new, False)]
    assert loads.drop_payloads(5, today=date(2026, 11, 6), url=fresh_db)["raw.vk_pages"] == 0  # once


def test_a_deleted_load_takes_its_raw_rows_without_a_foreign_key_per_row(fresh_db):
    """Migration 0650 (issue 10, item 4): the raw network tables have no foreign key to raw.loads
    (a lookup per landed row); deleting loads still deletes their rows, in every table and
    partition, by one statement-level trigger — and only theirs."""
    db.apply_schema(fresh_db)
    assert _sql(fresh_db, """select conrelid::regclass::text from pg_constraint where contype = 'f'
                             and confrelid = 'raw.loads'::regclass order by 1""") == [("audit.validations",), ("raw.quarantine",)]
    october, first_nov, second_nov = (_land(fresh_db, d) for d in (date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2)))
    _sql(fresh_db, "delete from raw.loads where load_id in (%s, %s)", (october, second_nov))
    assert _sql(fresh_db, "select load_id, count(*) from raw.vk_pages group by 1") == [(first_nov, 3)]
    assert _sql(fresh_db, "select load_id, count(*) from raw.vk_posts group by 1") == [(first_nov, 2)]
    assert _per_partition(fresh_db, "vk_pages") == {"raw.vk_pages_p202611": 3}
