"""``gospubliki dbt build`` as a user runs it (the real console script): a failed build lists what
failed without a traceback; ``--full-refresh`` rebuilds what it selects."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg2
import pytest
from test_cli_errors import gospubliki

pytestmark = pytest.mark.integration


def test_a_failed_dbt_build_lists_what_failed_without_a_traceback(fresh_db):
    """A dbt build that fails (here: the raw tables were never created) names the failed node and
    dbt's message, one line each, and exits 1 — not a Python traceback."""
    proc = gospubliki("dbt", "build", "--select", "stg_vk__pages")
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-2000:], proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("dbt build --select stg_vk__pages") and lines[0].endswith(" failed"), lines
    assert any(line.startswith("  error: model.gospubliki.stg_vk__pages: ") and 'relation "raw.vk_pages" does not exist'
               in line for line in lines[1:]), lines
    assert all("LINE " not in line and "compiled code at" not in line for line in lines), lines


def test_full_refresh_rebuilds_what_it_selects(fresh_db):
    """A seed loaded again without --full-refresh is truncated and refilled (a column added by hand
    stays); with --full-refresh it is dropped and created from its file (the column is gone)."""
    def columns() -> list[str]:
        with psycopg2.connect(fresh_db) as conn, conn.cursor() as cur:
            cur.execute("select column_name from information_schema.columns "
                        "where table_schema = 'marts_config' and table_name = 'sectors' order by ordinal_position")
            return [r[0] for r in cur.fetchall()]

    assert gospubliki("dbt", "build", "--select", "sectors").returncode == 0
    with psycopg2.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("alter table marts_config.sectors add column added_by_hand integer")
    proc = gospubliki("dbt", "build", "--select", "sectors")
    assert proc.returncode == 0, proc.stderr
    assert columns()[-1] == "added_by_hand"
    assert "Concurrency: 2 threads" in proc.stdout  # the profile's
    proc = gospubliki("dbt", "build", "--select", "sectors", "--full-refresh")
    assert proc.returncode == 0, proc.stderr
    assert "added_by_hand" not in columns() and columns() != []
    # one model at a time: two large full rebuilds side by side filled the disk (docs/operations.md)
    assert "Concurrency: 1 threads" in proc.stdout


def test_select_takes_several_selectors_as_dbt_does(fresh_db):
    """`--select a b` (dbt's own form) builds both; a selector without --select is one line, exit 2."""
    proc = gospubliki("dbt", "build", "--select", "sectors", "rating_methodologies")
    assert proc.returncode == 0, proc.stderr
    with psycopg2.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = 'marts_config' "
                    "order by 1")
        assert [r[0] for r in cur.fetchall()] == ["rating_methodologies", "sectors"]
    stray = gospubliki("dbt", "build", "sectors")
    assert (stray.returncode, stray.stderr.splitlines()) == (
        2, ["error: unexpected argument 'sectors': selectors follow --select"])


@pytest.fixture
def project_copy(tmp_path):
    """A copy of the dbt project: a parse here never writes the shared dbt_project/target (the DAG
    tests running beside it partial-parse from that manifest)."""
    project = tmp_path / "dbt_project"
    source = Path(__file__).resolve().parents[2] / "dbt_project"
    shutil.copytree(source, project, ignore=shutil.ignore_patterns("target", "logs"))
    return project


def test_a_project_that_does_not_parse_is_one_line_per_error(project_copy):
    """`gospubliki dbt parse` of a project with a broken model (a Jinja comment inside config(),
    as written once by mistake): dbt's compilation error, no traceback, exit 1."""
    model = project_copy / "models/marts/national_summary.sql"
    model.write_text("{{ config(\n    {# a comment #}\n    materialized='table') }}\nselect 1 as x\n")
    proc = gospubliki("dbt", "parse", "--quiet", env={"GOSPUBLIKI_DBT_PROJECT_DIR": str(project_copy)})
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-2000:], proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert lines[0] == "dbt parse failed", lines
    assert len(lines) == 2 and lines[1].startswith("  error: CompilationError: ") and "national_summary" in lines[1], lines
