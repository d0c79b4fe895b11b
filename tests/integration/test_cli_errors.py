"""The real console script (``.venv/bin/gospubliki``) as a user runs it: a user error is one line on
stderr and exit code 2, never a traceback; ``-v`` shows the traceback; ``registry import`` exit
codes (0 clean, 1 imported with rejects, 2 refused — registry unchanged)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest

from gospubliki.dates import today_in_moscow
from gospubliki.registry.model import COLUMNS

pytestmark = pytest.mark.integration

GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))
UNREACHABLE = "postgresql://nobody:s3cret-pw@127.0.0.1:1/nowhere"  # port 1: connection refused


def gospubliki(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "250", **(env or {})}  # rich wraps stdout at the terminal's width
    return subprocess.run([GOSPUBLIKI, *args], capture_output=True, text=True, timeout=300, env=env)


def assert_one_line_user_error(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.splitlines() == [f"error: {message}"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "vk", "--date", "2026-13-01"], "not a date (expected YYYY-MM-DD): '2026-13-01'"),
        (["run", "--start", "01.11.2026"], "not a date (expected YYYY-MM-DD): '01.11.2026'"),
        (["run", "--start", "2026-11-20", "--end", "2026-11-01"], "--end 2026-11-01 is before --start 2026-11-20"),
        (["simulator", "registry", "--region", "99"], "unknown region code '99'"),
        (["simulator", "registry", "--scale", "planet"], "unknown scale 'planet': use 'region' or 'national'"),
        (["rating", "--region", "43", "--period", "2026-W99"], "no ISO week '2026-W99' (year 2026 has no week 99)"),
        (["rating", "--region", "43", "--period", "ноябрь"],
         "not a period: 'ноябрь' (write an ISO week '2026-W47' or a month '2026-11')"),
        (["registry", "import", "/nowhere/registry.csv"],
         "Invalid value for 'path': file '/nowhere/registry.csv' does not exist. "
         "(see `gospubliki registry import --help`)"),
        (["extract", "vk", "--bogus"], "No such option: --bogus (see `gospubliki extract vk --help`)"),
        (["simulator", "registry", "--region", "43", "--out", "/nowhere/registry.csv"],
         "No such file or directory: /nowhere/registry.csv"),
        (["summary"], 'relation "marts.national_summary" does not exist: the warehouse is not built yet — run '
         "`gospubliki warehouse init` and `gospubliki dbt build` (or `gospubliki demo`)"),
    ],
)
def test_a_bad_date_region_period_file_or_option_is_one_line_and_exit_2(fresh_db, args, message):
    assert_one_line_user_error(gospubliki(*args), message)


def test_a_future_date_is_refused_by_extract_and_run(fresh_db):
    today = today_in_moscow()
    future = today + timedelta(days=1)
    expected = (
        f"snapshot date {future} is in the future (today is {today} in Moscow): "
        "no API can show a day that has not happened"
    )
    for args in (["extract", "vk", "--date", future.isoformat()], ["run", "--start", "2027-06-01"]):
        proc = gospubliki(*args)
        assert_one_line_user_error(proc, expected.replace(str(future), "2027-06-01") if "run" in args else expected)
    with psycopg2.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass('raw.loads')")
        assert cur.fetchone() == (None,)  # refused before anything touched the warehouse


def test_run_refuses_today_whose_scheduled_run_is_still_due(fresh_db):
    """`gospubliki run` is an Airflow backfill, which runs past intervals only: today's snapshot
    belongs to tomorrow's 03:00 run."""
    today = today_in_moscow().isoformat()
    assert_one_line_user_error(gospubliki("run", "--start", today), f"snapshot date {today} is today: its run is due "
                               "at 03:00 Moscow time tomorrow (a backfill runs past days only)")


@pytest.mark.parametrize("args", [["summary"], ["warehouse", "init"], ["rating", "--region", "43"]])
def test_an_unreachable_warehouse_is_one_line_and_exit_2_without_the_password(args):
    proc = gospubliki(*args, env={"GOSPUBLIKI_WAREHOUSE_URL": UNREACHABLE})
    assert_one_line_user_error(
        proc,
        'cannot reach the warehouse (connection to server at "127.0.0.1", port 1 failed: Connection refused): '
        "start it with `gospubliki warehouse start`, or check GOSPUBLIKI_WAREHOUSE_URL",
    )
    assert "s3cret-pw" not in proc.stderr


def test_verbose_shows_the_traceback_then_the_same_line():
    proc = gospubliki("-v", "summary", env={"GOSPUBLIKI_WAREHOUSE_URL": UNREACHABLE})
    assert proc.returncode == 2
    assert proc.stderr.startswith("Traceback (most recent call last):")
    assert "psycopg2.OperationalError" in proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1].startswith("error: cannot reach the warehouse")
    proc = gospubliki("--verbose", "extract", "vk", "--date", "2026-13-01")
    assert proc.returncode == 2 and "Traceback" in proc.stderr and "gospubliki.errors.BadValue" in proc.stderr


# ---------------------------------------------------------------- registry import exit codes
def regional_rows(n: int, start: int = 1) -> list[dict]:
    """Regional institutions of region 43 (only the real reference's regions are needed)."""
    return [
        dict(institution_id=f"r{i}", name=f"Министерство № {i}", sector="regional", level="regional",
             region_code="43", vk_url=f"vk.com/club{9000 + i}")
        for i in range(start, start + n)
    ]


def write_registry(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in COLUMNS} for r in rows)
    return path


def registry_sizes(url: str) -> tuple[int, int]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select (select count(*) from registry.institutions), (select count(*) from registry.pages)")
        return cur.fetchone()


def test_registry_import_exit_codes(fresh_db, tmp_path):
    ok = gospubliki("registry", "import", str(write_registry(tmp_path / "ok.csv", regional_rows(4), "cp1251")))
    assert ok.returncode == 0, ok.stderr
    assert "(CP1251): 4 rows → 4 institutions, 4 pages (vk 4, ok 0, tg 0), 0 rejected" in ok.stdout
    assert registry_sizes(fresh_db) == (4, 4)

    rows = [*regional_rows(4), dict(regional_rows(1, 5)[0], region_code="99"), dict(regional_rows(1, 6)[0], name="\\N")]
    some_bad = gospubliki("registry", "import", str(write_registry(tmp_path / "some_bad.csv", rows)))
    assert some_bad.returncode == 1, some_bad.stderr
    assert "  row 5 (r5): unknown region code '99'" in some_bad.stdout.splitlines()
    assert "  row 6 (r6): name is '\\N', a NULL marker of a database export, not a value" in some_bad.stdout.splitlines()
    assert "imported with 2 rejected rows (exit code 1)" in some_bad.stdout
    assert "Traceback" not in some_bad.stdout + some_bad.stderr

    header_only = gospubliki("registry", "import", str(write_registry(tmp_path / "empty.csv", [])))
    assert_one_line_user_error(header_only, f"{tmp_path / 'empty.csv'} has no data rows: the registry was not replaced")
    all_bad = [dict(r, sector="bank") for r in regional_rows(3)]
    refused = gospubliki("registry", "import", "--allow-shrink", str(write_registry(tmp_path / "bad.csv", all_bad)))
    assert_one_line_user_error(refused, f"{tmp_path / 'bad.csv'} has no valid row (3 rejected): the registry was not replaced")
    assert refused.stdout.count("unknown sector 'bank'") == 3  # the rejects are listed before the refusal
    strict = gospubliki("registry", "import", "--strict", str(tmp_path / "some_bad.csv"))
    assert_one_line_user_error(strict, "--strict: 2 of 6 rows rejected: the registry was not replaced")
    shrink = gospubliki("registry", "import", str(write_registry(tmp_path / "half.csv", regional_rows(2))))
    assert_one_line_user_error(
        shrink,
        "the file would shrink the registry from 4 to 2 institutions (−50%, more than the 20% allowed): "
        "the registry was not replaced; check the file, or import it with --allow-shrink",
    )
    assert registry_sizes(fresh_db) == (4, 4)  # every refusal left the registry as it was
    allowed = gospubliki("registry", "import", "--allow-shrink", str(tmp_path / "half.csv"))
    assert allowed.returncode == 0 and registry_sizes(fresh_db) == (2, 2)
