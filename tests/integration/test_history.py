"""Generated history (gospubliki history generate): one simulated day extracted by the real
extractors, earlier days derived from it in SQL and registered as validated loads."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg2
import pytest

from gospubliki.history import generate as gen
from gospubliki.history import seed
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.world import build_world
from gospubliki.transform import dbt
from gospubliki.warehouse import db

SEED_DAY = date(2026, 3, 10)
DAYS = 10  # the seed day and the 9 before it
POST_TABLES = ("raw.vk_posts", "raw.ok_posts", "raw.tg_posts")
PAGE_TABLES = ("raw.vk_pages", "raw.ok_pages", "raw.tg_pages")


def rows(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def fingerprint(url: str) -> dict[str, str]:
    """md5 of every generated row (without load_id) per raw table: what determinism compares."""
    out = {}
    for table in PAGE_TABLES + POST_TABLES:
        (out[table],) = rows(
            url,
            f"""select md5(string_agg((to_jsonb(t) - 'load_id')::text, '|' order by (to_jsonb(t) - 'load_id')::text))
                from {table} t join raw.loads l using (load_id) where l.details ? 'generated'""",
        )[0]
    return out


@pytest.fixture(scope="module")
def history(module_db, monkeypatch_module):
    monkeypatch_module.setenv("GOSPUBLIKI_WAREHOUSE_URL", module_db)
    db.apply_schema(module_db)
    world = build_world(Scale.from_name("region", factor=0.1), seed=3)
    seed.import_world(world, module_db)
    loads = seed.extract_day(world, SEED_DAY, url=module_db, validate=False, say=lambda _: None)
    result = gen.generate(DAYS, end=SEED_DAY, seed=7, url=module_db)
    return loads, result


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_each_generated_day_is_a_validated_load_flagged_generated(history, module_db):
    seed_loads, result = history
    assert result.seed_day == SEED_DAY and result.seed_loads == seed_loads
    assert result.days == [SEED_DAY - timedelta(days=k) for k in range(1, DAYS)]
    found = rows(
        module_db,
        """select source, snapshot_date, status, (details->'generated'->>'from_load')::bigint,
                  (details->'generated'->>'days_before')::int, (details->'generated'->>'seed')::int
           from raw.loads where details ? 'generated' order by snapshot_date, source""",
    )
    assert found == [
        (source, day, "validated", seed_loads[source], (SEED_DAY - day).days, 7)
        for day in sorted(result.days)
        for source in sorted(seed_loads)
    ]


def test_row_counts_per_day(history, module_db):
    seed_loads, _ = history
    # pages: exactly the seed day's rows, every generated day
    for table in PAGE_TABLES:
        counts = dict(rows(module_db, f"select snapshot_date, count(*) from {table} group by 1"))
        assert set(counts.values()) == {counts[SEED_DAY]} and len(counts) == DAYS and counts[SEED_DAY] > 20, table
    # every load's rows_by_table and rows are exactly what it holds
    for load_id, by_table, total in rows(
        module_db, "select load_id, details->'rows_by_table', rows from raw.loads where details ? 'generated'"
    ):
        held = {t: rows(module_db, f"select count(*) from {t} where load_id = %s", (load_id,))[0][0] for t in by_table}
        assert held == by_table and sum(held.values()) == total
    # posts: a post keeps its id and time in every load, and is in exactly the loads whose 7-day
    # window holds it (those inside the generated range)
    for table in POST_TABLES:
        key = "channel_id" if table == "raw.tg_posts" else "group_id"
        pinned = "is_pinned" if table != "raw.ok_posts" else "false"
        bad = rows(
            module_db,
            f"""select {key}, post_id, count(distinct posted_at), count(*),
                       least(%(last)s, (max(posted_at) at time zone 'Europe/Moscow')::date + 6)
                       - greatest(%(first)s, (min(posted_at) at time zone 'Europe/Moscow')::date) + 1
                from {table} where not {pinned} group by 1, 2
                having count(distinct posted_at) <> 1 or count(*) <>
                       least(%(last)s, (max(posted_at) at time zone 'Europe/Moscow')::date + 6)
                       - greatest(%(first)s, (min(posted_at) at time zone 'Europe/Moscow')::date) + 1""",
            {"first": SEED_DAY - timedelta(days=DAYS - 1), "last": SEED_DAY},
        )
        assert bad == [], table
        per_day = dict(rows(module_db, f"select snapshot_date, count(*) from {table} group by 1"))
        assert len(per_day) == DAYS and min(per_day.values()) > 0, table


def test_same_seed_same_rows_and_a_rerun_changes_nothing(history, module_db):
    before = fingerprint(module_db)
    again = gen.generate(DAYS, end=SEED_DAY, seed=7, url=module_db)  # every day validated already: kept
    assert again.days == [] and len(again.kept) == 3 * (DAYS - 1) and fingerprint(module_db) == before
    rows(module_db, "delete from raw.loads where details ? 'generated' returning 1")
    gen.generate(DAYS, end=SEED_DAY, seed=7, url=module_db)
    assert fingerprint(module_db) == before
    rows(module_db, "delete from raw.loads where details ? 'generated' returning 1")
    gen.generate(DAYS, end=SEED_DAY, seed=8, url=module_db)
    other = fingerprint(module_db)
    assert other["raw.vk_pages"] != before["raw.vk_pages"] and other["raw.vk_posts"] != before["raw.vk_posts"]
    rows(module_db, "delete from raw.loads where details ? 'generated' returning 1")
    gen.generate(DAYS, end=SEED_DAY, seed=7, url=module_db)
    assert fingerprint(module_db) == before


def test_dbt_builds_on_generated_history(history, module_db, tmp_path):
    result = dbt.build(module_db, target_path=tmp_path / "target", log_path=tmp_path / "logs")
    assert result.success
    per_day = rows(
        module_db,
        "select snapshot_date, count(*), sum(members_count) from marts.fct_page_daily group by 1 order by 1",
    )
    assert [d for d, *_ in per_day] == [SEED_DAY - timedelta(days=k) for k in range(DAYS - 1, -1, -1)]
    members = [m for *_, m in per_day]
    assert members != sorted(set(members))[:1] * DAYS  # the generated days drift


def test_no_seed_day_is_one_clear_error(module_db):
    with pytest.raises(gen.NoSeedDay, match="no validated"):
        gen.generate(3, end=date(2020, 1, 1), url=module_db)
