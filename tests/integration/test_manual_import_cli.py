"""`gospubliki rating import-manual` as a ЦУР uses it, on a fresh warehouse (no `warehouse init`):
the 45 names of a published regional rating (10 of which were rejected before) all load, the
one-letter slip with a warning; rejects exit 2 with one line each and the closest names; a narrow
`dbt build --select municipality_rating_criteria+` works; the rating shows the names the
methodology publishes; asking for a methodology without data names the ones that have data."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from gospubliki.transform import dbt

pytestmark = pytest.mark.integration

GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))
PUBLISHED = Path(__file__).parents[1] / "data" / "kirov_rating_names.csv"
HEADER = ["methodology_code", "period", "region_code", "municipality", "criterion_code", "points", "comment"]
DISPLAY = {"43-kotelnich": "г.о. Котельнич", "43-kirov": 'МО "Город Киров"'}  # as the region publishes them


def gospubliki(*args: str, env: dict) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "250", **env}
    return subprocess.run([GOSPUBLIKI, *args], capture_output=True, text=True, timeout=900, env=env)


def write_scores(path: Path, rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


@pytest.fixture(scope="module")
def run(module_db, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("manual")
    project = tmp / "dbt_project"  # the shipped project + display names for example_expert
    shutil.copytree(dbt.project_dir(), project, ignore=shutil.ignore_patterns("target", "logs"))
    with (project / "seeds" / "municipality_aliases.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[m, name, "example_expert", "true", ""] for m, name in DISPLAY.items()])
    env = {"GOSPUBLIKI_WAREHOUSE_URL": module_db, "GOSPUBLIKI_DBT_PROJECT_DIR": str(project)}
    with PUBLISHED.open(encoding="utf-8", newline="") as fh:
        published = list(csv.DictReader(fh))
    scores = write_scores(
        tmp / "scores.csv",
        [["example_expert", "2026-11", "43", r["published_name"], "widgets", i % 3, ""] for i, r in enumerate(published)],
    )
    bad = write_scores(
        tmp / "bad.csv",
        [
            ["example_expert", "2026-11", "43", "Кильмзкй м.р.", "comments", 1, ""],
            ["example_expert", "2026-11", "43", "МО Слободской", "comments", 1, ""],
            ["example_expert", "2026-11", "43", "Кумёнский м.р.", "comments", 2, ""],
        ],
    )
    return {
        "url": module_db,
        "published": published,
        "import": gospubliki("rating", "import-manual", str(scores), env=env),
        "bad": gospubliki("rating", "import-manual", str(bad), env=env),
        "build": gospubliki("dbt", "build", "--select", "municipality_rating_criteria+", env=env),
        "default": gospubliki("rating", "--region", "43", env=env),
        "expert": gospubliki("rating", "--region", "43", "--methodology", "example_expert", env=env),
    }


def query(url: str, sql: str) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql)
        out = cur.fetchall()
    conn.close()
    return out


def test_the_published_names_load_without_warehouse_init_and_the_slip_is_warned(run):
    proc = run["import"]
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert proc.stdout.splitlines()[:2] == [
        "  warning: row 17: 'Кильмезкий м.р.' read as «Кильмезский м.р.» (one-letter slip corrected)",
        "45 scores loaded, 0 rejected, 1 corrected; run `gospubliki dbt build --select "
        "municipality_rating_criteria+` to apply",
    ]
    loaded = dict(query(run["url"], "select entity_id, points::int from registry.rating_manual_scores "
                                    "where criterion_code = 'widgets'"))
    assert loaded == {r["municipality_id"]: i % 3 for i, r in enumerate(run["published"])}


def test_rejects_exit_2_with_one_line_each_and_the_closest_names(run):
    proc = run["bad"]
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout.splitlines()[:3] == [
        "  row 1: unknown municipality 'Кильмзкй м.р.' in region 43; closest: Кильмезский м.р.",
        "  row 2: municipality 'МО Слободской' in region 43 is ambiguous: add its type; "
        "closest: Слободской г.о., Слободской м.р.",
        "1 scores loaded, 2 rejected, 0 corrected; run `gospubliki dbt build --select "
        "municipality_rating_criteria+` to apply",
    ]


def test_a_narrow_build_on_a_fresh_warehouse_rates_with_the_published_names(run):
    assert run["build"].returncode == 0, run["build"].stdout[-3000:]
    rows = dict(query(run["url"], "select municipality_id, municipality_name from marts.municipality_rating "
                                  "where methodology_code = 'example_expert' and period_id = '2026-11'"))
    assert len(rows) == 45
    assert {m: rows[m] for m in ("43-kotelnich", "43-kirov", "43-kotelnichskiy")} == {
        **DISPLAY, "43-kotelnichskiy": "Котельничский м.р."
    }
    assert run["expert"].returncode == 0, run["expert"].stderr
    assert "г.о. Котельнич" in run["expert"].stdout


def test_a_methodology_without_data_names_the_ones_with_data(run):
    proc = run["default"]
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "error: no rating of methodology 'example_30' for region 43; methodologies with data: "
        "example_expert (latest 2026-11; --methodology example_expert)"
    ]
