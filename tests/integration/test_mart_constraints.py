"""The marts' row rules are constraints of their contracts (issue #10, a daily build's fixed cost).

``not_null``, range, accepted-values and row-expression rules of the 16 contracted mart tables
are ``constraints`` (PostgreSQL enforces them on every write) instead of ~390 data-test nodes run
after each build. What must hold:

* every contracted mart carries exactly its contract's check and NOT NULL constraints;
* an incremental mart created before a constraint was declared (dbt applies constraints only when
  it creates a table) gets them with its next build (``macros/apply_contract_constraints.sql``);
* a build that would write a row breaking a rule fails, names the model and the constraint, and
  leaves the mart as it was (a test after the build would have found the row already published).
"""

from __future__ import annotations

import json

import psycopg2
import pytest
from test_dbt_marts import D1, D2, D3, fetch, prepare_world, publish_vk, run_build

from gospubliki.transform import dbt

pytestmark = pytest.mark.integration


def contracted(manifest: dict) -> list[dict]:
    return [node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced")]


def declared(manifest: dict) -> dict[str, tuple[int, int]]:
    """Per contracted mart table: (check constraints, NOT NULL columns) of its contract."""
    out = {}
    for node in contracted(manifest):
        if node["config"]["materialized"] == "view":
            continue
        column_constraints = [c for col in node["columns"].values() for c in col.get("constraints", [])]
        checks = sum(c["type"] == "check" for c in [*column_constraints, *node.get("constraints", [])])
        out[node["name"]] = (checks, sum(c["type"] == "not_null" for c in column_constraints))
    return out


def in_database(url: str) -> dict[str, tuple[int, int]]:
    rows = fetch(
        url,
        """select c.relname,
                  (select count(*) from pg_constraint where conrelid = c.oid and contype = 'c') as checks,
                  (select count(*) from pg_attribute where attrelid = c.oid and attnum > 0 and attnotnull)
                      as not_null
           from pg_class c where c.relnamespace = 'marts'::regnamespace and c.relkind = 'r'""",
    )
    return {r["relname"]: (r["checks"], r["not_null"]) for r in rows}


def execute(url: str, *statements: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
    conn.close()


@pytest.fixture(scope="module")
def built(module_db, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mart_constraints")
    world = prepare_world(module_db, tmp)
    publish_vk(world, D1)
    assert run_build(module_db, tmp).success
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    return world, tmp, declared(manifest), manifest


def test_every_contracted_mart_carries_its_contracts_constraints(built):
    world, _, contract, manifest = built
    assert len(contract) == 16
    # the rules that were data tests, now one constraint each (387 until page_compliance became a
    # view: the 10 on its joined or spelled-out columns are fct_page_daily's or a test of the view;
    # 376 since fct_page_daily's page_day_id, and its NOT NULL, went; 375 since
    # engagement_page_weekly's engagement_page_weekly_id went)
    assert sum(checks for checks, _ in contract.values()) + sum(nn for _, nn in contract.values()) == 375
    actual = in_database(world.url)
    assert {name: actual[name] for name in contract} == contract
    assert contract["fct_page_daily"] == (11, 12)
    assert contract["fct_page_compliance"] == (7, 4)
    # the one contracted view declares no constraint (PostgreSQL has none on views)
    views = [node for node in contracted(manifest) if node["config"]["materialized"] == "view"]
    assert [node["name"] for node in views] == ["page_compliance"]
    assert not views[0]["constraints"]
    assert not [c for col in views[0]["columns"].values() for c in col.get("constraints", [])]


def test_a_mart_created_before_its_constraints_gets_them_with_the_next_build(built):
    world, tmp, contract, _ = built
    # as a table built by the previous release: no NOT NULL, a check constraint of its own
    for table in ("fct_page_daily", "fct_page_compliance"):
        names = fetch(world.url, f"select conname from pg_constraint where conrelid = 'marts.{table}'::regclass"
                                 " and contype in ('c', 'n')")
        execute(world.url, *(f'alter table marts.{table} drop constraint "{r["conname"]}"' for r in names),
                f"alter table marts.{table} add constraint legacy check (true)")
    assert in_database(world.url)["fct_page_daily"] == (1, 0)
    before = fetch(world.url, "select * from marts.fct_page_daily order by page_key, snapshot_date")

    publish_vk(world, D2)
    assert run_build(world.url, tmp, exclude=list(dbt.DAILY_EXCLUDE)).success

    actual = in_database(world.url)
    assert actual["fct_page_daily"] == contract["fct_page_daily"] == (11, 12)
    assert actual["fct_page_compliance"] == contract["fct_page_compliance"]
    assert not fetch(world.url, "select 1 from pg_constraint where conname = 'legacy'")
    after = fetch(world.url, "select * from marts.fct_page_daily where snapshot_date = %s order by page_key, snapshot_date", (D1,))
    assert after == before


def test_a_row_breaking_a_rule_fails_the_build_and_the_mart_keeps_its_rows(built):
    world, tmp, _, _ = built
    load_id = publish_vk(world, D3)
    # a published row that slipped past validation: a negative subscriber count
    execute(world.url, f"update raw.vk_pages set members_count = -5 where load_id = {load_id} "
                       "and fetch_status = 'ok' and page_key = (select min(page_key) from raw.vk_pages "
                       f"where load_id = {load_id} and fetch_status = 'ok')")
    before = fetch(world.url, "select * from marts.fct_page_daily order by page_key, snapshot_date")

    with pytest.raises(dbt.DbtFailed) as caught:
        run_build(world.url, tmp, exclude=list(dbt.DAILY_EXCLUDE))

    failed = dict((node, message) for node, _, message in caught.value.failures)
    assert "model.gospubliki.fct_page_daily" in failed
    message = failed["model.gospubliki.fct_page_daily"]
    assert "violates check constraint" in message and "members_count" in message, message
    assert fetch(world.url, "select * from marts.fct_page_daily order by page_key, snapshot_date") == before
    assert not fetch(world.url, "select 1 from marts.fct_page_daily where snapshot_date = %s", (D3,))
