"""The in-process dbt runner: profile environment from the warehouse URL, manifest for Cosmos,
consecutive invocations against different databases in one process, and clear failures."""

from __future__ import annotations

import json
import os

import psycopg2
import pytest

from gospubliki.transform import dbt
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration


def test_dbt_env_maps_every_part_of_the_url():
    env = dbt.dbt_env("postgresql://bi%40loader:p%3Ass%2Fw@db.example.org:6543/warehouse?sslmode=require")
    assert env["GOSPUBLIKI_DBT_HOST"] == "db.example.org"
    assert env["GOSPUBLIKI_DBT_PORT"] == "6543"
    assert env["GOSPUBLIKI_DBT_USER"] == "bi@loader"
    assert env[dbt.PASSWORD_VAR] == "p:ss/w"
    assert env["GOSPUBLIKI_DBT_DBNAME"] == "warehouse"
    assert env["GOSPUBLIKI_DBT_SSLMODE"] == "require"
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "False"
    # defaults: the port of PostgreSQL, sslmode prefer
    env = dbt.dbt_env("postgres://u:p@localhost/db")
    assert (env["GOSPUBLIKI_DBT_PORT"], env["GOSPUBLIKI_DBT_SSLMODE"]) == ("5432", "prefer")
    with pytest.raises(ValueError):
        dbt.dbt_env("mysql://u:p@localhost/db")


def test_dbt_env_defaults_to_the_configured_warehouse(monkeypatch):
    monkeypatch.setenv("GOSPUBLIKI_WAREHOUSE_URL", "postgresql://a:b@10.0.0.5:5433/other")
    assert dbt.dbt_env()["GOSPUBLIKI_DBT_HOST"] == "10.0.0.5"
    assert dbt.dbt_env()["GOSPUBLIKI_DBT_DBNAME"] == "other"


def test_project_dir_can_be_overridden(monkeypatch, tmp_path):
    assert (dbt.project_dir() / "dbt_project.yml").is_file()
    monkeypatch.setenv("GOSPUBLIKI_DBT_PROJECT_DIR", str(tmp_path))
    assert dbt.project_dir() == tmp_path.resolve()


def test_parse_writes_a_manifest_and_restores_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GOSPUBLIKI_DBT_HOST", "caller-value")
    monkeypatch.delenv("GOSPUBLIKI_DBT_DBNAME", raising=False)
    manifest_path = dbt.parse(target_path=tmp_path)
    assert manifest_path == tmp_path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert os.environ["GOSPUBLIKI_DBT_HOST"] == "caller-value"
    assert "GOSPUBLIKI_DBT_DBNAME" not in os.environ

    nodes = manifest["nodes"]
    fct = nodes["model.gospubliki.fct_page_daily"]
    assert fct["config"]["materialized"] == "incremental"
    assert fct["schema"] == "marts"  # custom schema used as is, not '<target>_marts'
    assert nodes["model.gospubliki.stg_vk__pages"]["schema"] == "staging"
    assert nodes["model.gospubliki.int_page_days_unioned"]["schema"] == "intermediate"
    assert nodes["seed.gospubliki.rating_criteria"]["schema"] == "marts_config"
    # BI users get Russian descriptions of every mart column
    for name in (
        "fct_page_daily",
        "national_summary",
        "sector_summary",
        "municipality_summary",
        "municipality_rating",
        "municipality_rating_criteria",
    ):
        node = nodes[f"model.gospubliki.{name}"]
        assert node["description"], name
        assert node["columns"], name
        assert all(col["description"] for col in node["columns"].values()), name
    loads = manifest["sources"]["source.gospubliki.raw.loads"]
    assert loads["loaded_at_field"] == "loaded_at"
    assert loads["freshness"]["warn_after"] == {"count": 36, "period": "hour"}
    assert loads["freshness"]["error_after"] == {"count": 72, "period": "hour"}
    unit_tests = {u["name"] for u in manifest["unit_tests"].values()}
    assert {"rating_places_percent_and_dynamics", "rating_percent_rounds_half_up"} <= unit_tests


def test_two_invocations_in_one_process_use_their_own_databases(fresh_db, module_db, tmp_path):
    """dbt keeps global state between in-process invocations: the second build must still go to
    the second database (and create what the selection builds there)."""
    for url in (fresh_db, module_db):
        db.apply_schema(url)
    dbt.build(fresh_db, select="sectors", target_path=tmp_path / "a", log_path=tmp_path / "logs")
    dbt.build(module_db, select="rating_criteria", target_path=tmp_path / "b", log_path=tmp_path / "logs")

    def tables(url):
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables where table_schema = 'marts_config'"
            )
            names = {r[0] for r in cur.fetchall()}
        conn.close()
        return names

    assert tables(fresh_db) == {"sectors"}
    assert tables(module_db) == {"rating_criteria"}
    with psycopg2.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from marts_config.sectors")
        assert (
            cur.fetchone()[0]
            == len((dbt.project_dir() / "seeds" / "sectors.csv").read_text().splitlines()) - 1
        )
    conn.close()


def test_a_failing_test_raises_dbt_failed_naming_the_node(fresh_db, tmp_path):
    db.apply_schema(fresh_db)
    # the var may only name methodologies of the seed: an unknown one breaks a singular test
    with pytest.raises(dbt.DbtFailed) as caught:
        dbt.build(
            fresh_db,
            select="rating_methodologies",
            vars={"rating_methodologies": ["no_such_methodology"]},
            target_path=tmp_path / "target",
            log_path=tmp_path / "logs",
        )
    error = caught.value
    node = "test.gospubliki.assert_rating_methodologies_var_names_known_methodologies"
    assert node in error.failed_nodes
    assert "assert_rating_methodologies_var_names_known_methodologies" in str(error)
    assert error.command[0] == "build"
    # and the same selection with the default (all methodologies) passes in the same process
    result = dbt.build(
        fresh_db, select="rating_methodologies", target_path=tmp_path / "target", log_path=tmp_path / "logs"
    )
    assert result.success


def test_a_compilation_error_raises_dbt_failed_with_the_message(fresh_db, tmp_path):
    with pytest.raises(dbt.DbtFailed) as caught:
        dbt.run_dbt(
            ["build", "--select", "no_such_model_anywhere", "--vars", "{not yaml"],
            fresh_db,
            target_path=tmp_path / "target",
            log_path=tmp_path / "logs",
        )
    assert "dbt build" in str(caught.value)
    assert caught.value.exception is not None


def test_source_freshness_passes_warns_and_fails_on_validated_load_age(fresh_db, tmp_path):
    from datetime import date

    from gospubliki.warehouse import loads

    db.apply_schema(fresh_db)
    kwargs = dict(target_path=tmp_path / "target", log_path=tmp_path / "logs")
    load_id = loads.land("vk", date(2025, 11, 20), [], url=fresh_db).load_id
    loads.publish(load_id, url=fresh_db)
    failed = loads.land("vk", date(2025, 11, 21), [], url=fresh_db).load_id
    loads.reject(failed, "expectation failed", url=fresh_db)

    def age_validated_load(hours: int) -> None:
        with db.connect(fresh_db) as conn, conn.cursor() as cur:
            cur.execute(
                "update raw.loads set loaded_at = now() - make_interval(hours => %s) where load_id = %s",
                (hours, load_id),
            )

    def status() -> str:
        result = dbt.source_freshness(fresh_db, **kwargs)
        # the source's result (the project's on-run-start/on-run-end hooks report too)
        (source,) = [r for r in result.result.results if r.node.unique_id.startswith("source.")]
        return str(source.status)

    assert status() == "pass"
    age_validated_load(50)  # the failed load is fresh but does not count
    assert status() == "warn"
    age_validated_load(80)
    with pytest.raises(dbt.DbtFailed) as caught:
        dbt.source_freshness(fresh_db, **kwargs)
    assert caught.value.failed_nodes == ["source.gospubliki.raw.loads"]
    assert "h ago" in str(caught.value)
