"""Incremental marts read only the dates being processed (issue #10, item 2).

Three VK dates are built, then a fourth is published and built incrementally. For every
incremental model, the SQL that build ran (dbt's compiled SQL, with ``is_incremental()`` true) is
planned by PostgreSQL with sequential scans disabled: a history table (the big facts, the raw
network tables, the mart itself) that is still read by a ``Seq Scan``, or by an index scan with
no index condition, has no way to be read other than whole — i.e. the mart rescans history.
The plan's shape is what is asserted (deterministic whatever the table sizes), not timings.
Each delete+insert mart also needs an index led by its unique key (the delete of the replaced
dates), and the new date's build must leave the older rows of every mart untouched.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import psycopg2
import pytest
import yaml
from test_dbt_marts import D1, D2, D3, fetch, prepare_world, publish_vk, run_build

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
D5 = date(2025, 11, 24)  # Mon of 2025-W48: the new date of the incremental build

#: tables whose size grows with history: a daily build must reach them through an index only
HISTORY = {
    "marts.fct_page_daily", "marts.fct_post", "marts.national_summary", "marts.fct_page_compliance",
    "raw.vk_pages", "raw.vk_posts", "raw.ok_pages", "raw.ok_posts", "raw.tg_pages", "raw.tg_posts",
}


def incremental_models(manifest: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }


def full_reads(plan: dict, history: set[str], parent: str | None = None) -> list[str]:
    """Scans of ``history`` relations in a JSON plan that read the relation whole.

    An index scan with no condition right under a ``Limit`` and without a filter is PostgreSQL's
    min/max optimisation (``max(processed_at)`` = the last index entry): it reads one row. On a
    NOT NULL column it has no ``Index Cond`` at all (on a nullable one: ``IS NOT NULL``)."""
    found = []
    relation = f"{plan.get('Schema')}.{plan.get('Relation Name')}"
    if relation in history:
        node = plan["Node Type"]
        min_max = parent == "Limit" and "Filter" not in plan
        if node == "Seq Scan" or (
            node in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan and not min_max
        ):
            found.append(f"{node} on {relation}")
    for child in plan.get("Plans", []):
        found += full_reads(child, history, plan["Node Type"])
    return found


@pytest.fixture(scope="module")
def four_days(module_db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental_scans")
    world = prepare_world(module_db, tmp)
    for day in (D1, D2, D3):
        publish_vk(world, day)
    run_build(module_db, tmp)
    before = {
        name: fetch(module_db, f"select * from {node['schema']}.{name} order by 1")
        for name, node in incremental_models(json.loads((tmp / "target" / "manifest.json").read_text())).items()
    }
    publish_vk(world, D5)
    run_build(module_db, tmp)
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    return module_db, tmp / "target", incremental_models(manifest), before


def test_every_incremental_mart_reads_history_through_indexes_only(four_days):
    url, target, models, _ = four_days
    assert {"fct_page_daily", "fct_post", "national_summary", "sector_summary", "sector_region_summary",
            "region_summary", "municipality_summary", "fct_page_compliance", "engagement_page_weekly",
            "best_posts_weekly", "municipality_rating_criteria", "municipality_rating"} <= set(models)
    offenders = {}
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("set enable_seqscan = off")
        for name, node in sorted(models.items()):
            sql = (target / "compiled" / "gospubliki" / node["original_file_path"]).read_text()
            assert f'"{node["schema"]}"."{node["alias"]}"' in sql, f"{name}: not compiled as incremental"
            cur.execute("explain (format json, verbose) " + sql)
            plan = cur.fetchone()[0][0]["Plan"]
            reads = full_reads(plan, HISTORY | {f"{node['schema']}.{node['alias']}"})
            if reads:
                offenders[name] = reads
    conn.close()
    assert offenders == {}


def test_the_dims_read_the_latest_dates_through_indexes_only(four_days):
    """dim_page (a table, rebuilt every build) takes each network's latest snapshot date from
    fct_page_daily: one index probe per network, not a scan of the history (5 s after 31
    national days, and growing, before)."""
    url, target, _, _ = four_days
    sql = (target / "compiled" / "gospubliki" / "models" / "marts" / "dims" / "dim_page.sql").read_text()
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("set enable_seqscan = off")
        cur.execute("explain (format json, verbose) " + sql)
        plan = cur.fetchone()[0][0]["Plan"]
    conn.close()
    assert "marts.fct_page_daily" in relations(plan)
    assert full_reads(plan, HISTORY) == []


def relations(plan: dict) -> set[str]:
    found = {f"{plan['Schema']}.{plan['Relation Name']}"} if "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= relations(child)
    return found


def test_the_page_compliance_view_reads_only_what_a_query_needs(four_days):
    """The view joins its stored status to fct_page_daily and dim_page by their unique keys, so
    PostgreSQL removes a join a query does not need; Superset's «latest date» dataset (its SQL as
    shipped) and a day's rows of a region are read by index only."""
    url, _, _, _ = four_days
    dataset = yaml.safe_load((REPO / "bi/superset/assets/datasets/gospubliki/page_compliance_latest.yaml").read_text())
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("set enable_seqscan = off")

        def plan(sql: str, *args) -> dict:
            cur.execute("explain (format json, verbose) " + sql, args)
            return cur.fetchone()[0][0]["Plan"]

        max_date = plan("select max(snapshot_date) from marts.page_compliance")
        latest = plan(dataset["sql"])
        day = plan("select * from marts.page_compliance where snapshot_date = %s and region_code = '43'", D5)
    conn.close()
    assert relations(max_date) == {"marts.fct_page_compliance"}
    assert relations(latest) == relations(day) == {
        "marts.fct_page_compliance", "marts.fct_page_daily", "marts.dim_page"}
    assert full_reads(latest, HISTORY) == []
    assert full_reads(day, HISTORY) == []


def test_every_delete_insert_key_is_indexed(four_days):
    url, _, models, _ = four_days
    indexed = {}
    for row in fetch(url, "select tablename, indexdef from pg_indexes where schemaname in ('marts', 'intermediate')"):
        columns = [c.strip() for c in row["indexdef"].split("(", 1)[1].rstrip(")").split(",")]
        indexed.setdefault(row["tablename"], []).append(columns)
    missing = []
    for name, node in models.items():
        key = node["config"]["unique_key"]
        key = [key] if isinstance(key, str) else key
        if not any(sorted(columns[: len(key)]) == sorted(key) for columns in indexed.get(name, [])):
            missing.append(f"{name}({', '.join(key)})")
    assert missing == []


def test_the_new_date_leaves_older_rows_untouched(four_days):
    url, _, models, before = four_days
    after_fct = fetch(url, "select * from marts.fct_page_daily where snapshot_date <> %s order by 1", (D5,))
    assert after_fct == before["fct_page_daily"]
    for name in ("national_summary", "sector_summary", "region_summary", "municipality_summary"):
        old = fetch(url, f"select * from marts.{name} where snapshot_date <> %s order by 1", (D5,))
        assert old == before[name], name
        assert fetch(url, f"select count(*) as n from marts.{name} where snapshot_date = %s", (D5,))[0]["n"] > 0


def test_each_page_first_seen_date_is_its_earliest_in_the_fact(four_days):
    """int_page_first_seen (page_alerts_daily's «new page»), built from the dates processed only,
    holds each page's earliest snapshot date in fct_page_daily."""
    url = four_days[0]
    first_seen = fetch(url, "select page_key, network, first_snapshot_date from intermediate.int_page_first_seen order by 1")
    assert len(first_seen) > 0
    assert first_seen == fetch(
        url,
        "select page_key, network, min(snapshot_date) as first_snapshot_date from marts.fct_page_daily"
        " group by 1, 2 order by 1",
    )


def test_a_page_compliance_table_of_the_previous_release_becomes_the_view(four_days):
    """Upgrade: the previous release kept page_compliance as a table (names, link and unmet
    requirements copied into every row). The next build replaces it by the view, computes
    fct_page_compliance for the whole history, and BI reads the same rows as before."""
    url, target, _, _ = four_days
    before = fetch(url, "select * from marts.page_compliance order by page_compliance_id")
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("create table marts.page_compliance_old as select * from marts.page_compliance")
        cur.execute("drop view marts.page_compliance")
        cur.execute("drop table marts.fct_page_compliance")
        cur.execute("alter table marts.page_compliance_old rename to page_compliance")
    conn.close()
    assert fetch(url, "select relkind from pg_class where oid = 'marts.page_compliance'::regclass")[0]["relkind"] == "r"

    run_build(url, target.parent)

    assert fetch(url, "select relkind from pg_class where oid = 'marts.page_compliance'::regclass")[0]["relkind"] == "v"
    assert fetch(url, "select count(*) as n from marts.fct_page_compliance")[0]["n"] == len(before) > 0
    assert fetch(url, "select * from marts.page_compliance order by page_compliance_id") == before


def test_a_build_with_nothing_new_reads_no_date_even_after_a_quiet_day(four_days):
    """page_alerts_daily writes no row for a date without alerts. Its last build used to be read
    from its rows (max source_processed_at), so a quiet latest date was re-computed by every
    build, and more so as quiet dates accumulate. The last build is now recorded apart
    (intermediate.incremental_watermarks, written with the mart): D5 is made quiet here by
    removing its alerts, and a build with nothing new must compute no date in any incremental mart.
    Nor does it re-analyze the facts it did not write (analyze_if_written)."""
    url, target, models, _ = four_days
    analyzed = (
        "select relname, last_analyze from pg_stat_user_tables where schemaname = 'marts'"
        " and relname in ('fct_page_daily', 'fct_post', 'national_summary') order by relname"
    )
    before = fetch(url, analyzed)
    d5_build = fetch(url, "select max(processed_at) as at from marts.fct_page_daily")[0]["at"]
    # the build that wrote D5 analyzed the tables it wrote (post-hook analyze_if_written)
    assert [(r["relname"], r["last_analyze"] > d5_build) for r in before] == [
        ("fct_page_daily", True), ("fct_post", True), ("national_summary", True),
    ]
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("delete from marts.page_alerts_daily where snapshot_date = %s", (D5,))
    conn.close()

    run_build(url, target.parent)

    compiled = {
        name: (target / "compiled" / "gospubliki" / node["original_file_path"]).read_text()
        for name, node in models.items()
    }
    dated = {name: sorted(set(re.findall(r"'\d{4}-\d{2}-\d{2}'::date", sql))) for name, sql in compiled.items()}
    assert {name: dates for name, dates in dated.items() if dates} == {}
    assert "where false" in " ".join(compiled["page_alerts_daily"].split())
    assert fetch(url, "select count(*) as n from marts.page_alerts_daily where snapshot_date = %s", (D5,)) == [{"n": 0}]
    # nothing written, nothing analyzed: ANALYZE samples the whole history
    assert fetch(url, analyzed) == before
    watermark = fetch(
        url, "select processed_at from intermediate.incremental_watermarks where model_name = 'page_alerts_daily'"
    )
    assert watermark == fetch(url, "select max(processed_at) as processed_at from marts.fct_page_daily")


def test_every_delete_insert_analyzes_its_new_rows_before_the_delete(four_days):
    """dbt deletes the rows being replaced with `where (key) in (select distinct key from <temp
    table>)`; without statistics on the just-created temp table PostgreSQL hash-joined it with a
    sequential scan of the whole mart (at a year: 13 GB of fct_page_daily in every daily build).
    The executed SQL of D5's build analyzes the temp table right before the delete, in every
    delete+insert model."""
    _, target, models, _ = four_days
    unanalyzed = []
    for name, node in models.items():
        if node["config"].get("incremental_strategy") != "delete+insert":
            continue
        run_sql = (target / "run" / "gospubliki" / node["original_file_path"]).read_text()
        analyzed = re.search(r"analyze\s+(\S+)\s*;\s*delete from\s+\S+\s+as DBT_INTERNAL_DEST\s+where\s*\([^)]*\)\s*in\s*"
                             r"\(\s*select distinct [^)]*?from\s+(\S+)\s+as DBT_INTERNAL_SOURCE", run_sql)
        if not (analyzed and analyzed.group(1) == analyzed.group(2) and "__dbt_tmp" in analyzed.group(1)):
            unanalyzed.append(name)
    assert len([n for n in models if models[n]["config"].get("incremental_strategy") == "delete+insert"]) >= 12
    assert unanalyzed == []
