"""Great Expectations validation of raw loads on the real PostgreSQL, with the committed file context.

Every test runs the real checkpoint ``vk_raw_load`` from a copy of ``expectations/gx`` (so results and
Data Docs land in a temporary folder) against a fresh database holding a small VK registry.
"""

from __future__ import annotations

import concurrent.futures
import filecmp
import json
import logging
import multiprocessing
import os
import shutil
from datetime import date, timedelta

import pytest

from gospubliki import dates
from gospubliki.quality import ValidationFailed, build_context, check_and_publish, suites, validate_load
from gospubliki.quality import context as gx_context
from gospubliki.warehouse import db, loads
from gospubliki.warehouse.loads import RawBatch

pytestmark = pytest.mark.integration

REPO_GX = os.path.join(os.path.dirname(__file__), "..", "..", "expectations", "gx")
DAY = date(2026, 11, 9)
PAGES = 6  # registry pages of the test region
PAGE_COLUMNS = [
    "snapshot_date",
    "page_key",
    "group_id",
    "screen_name",
    "name",
    "members_count",
    "fetch_status",
    "error_reason",
    "payload",
]
POST_COLUMNS = [
    "snapshot_date",
    "page_key",
    "group_id",
    "post_id",
    "posted_at",
    "views",
    "likes",
    "reposts",
    "comments",
    "text",
    "payload",
]
N_EXPECTATIONS = sum(len(suites.expectations_for(suites.VK, part)) for part in suites.PARTS)


def _copy_committed(dst) -> None:
    shutil.copytree(REPO_GX, dst, ignore=shutil.ignore_patterns("uncommitted"))


@pytest.fixture
def gx_project(tmp_path, monkeypatch):
    """A copy of the committed file context; validation results and Data Docs go to tmp_path."""
    root = tmp_path / "expectations"
    _copy_committed(root / "gx")
    monkeypatch.setenv("GOSPUBLIKI_EXPECTATIONS_DIR", str(root))
    monkeypatch.delenv("GOSPUBLIKI_MIN_OK_SHARE", raising=False)
    return root


@pytest.fixture
def warehouse(fresh_db, gx_project):
    """Schema + a region with PAGES institutions, each with one VK page (vk:1001 …)."""
    db.apply_schema(fresh_db)
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into reference.regions values ('43', 'Кировская область', 'Приволжский', 1153680)"
        )
        cur.execute("insert into registry.imports (source_file) values ('test.csv') returning import_id")
        import_id = cur.fetchone()[0]
        for i in range(PAGES):
            cur.execute(
                """insert into registry.institutions
                          (institution_id, name, sector, level, region_code, import_id)
                   values (%s, %s, 'regional', 'regional', '43', %s)""",
                (f"i{i}", f"Учреждение {i}", import_id),
            )
            cur.execute(
                """insert into registry.pages (page_key, network, page_ref, url, institution_id, import_id)
                   values (%s, 'vk', %s, %s, %s, %s)""",
                (page_key(i), str(1001 + i), f"https://vk.com/club{1001 + i}", f"i{i}", import_id),
            )
    return fresh_db


def page_key(i: int) -> str:
    return f"vk:{1001 + i}"


def page_rows(day: date, n: int = PAGES, **overrides) -> list[dict]:
    """All registry pages: the last one skipped as private, the others fetched."""
    rows = []
    for i in range(n):
        row = dict(
            snapshot_date=day,
            page_key=page_key(i),
            group_id=1001 + i,
            screen_name=f"club{1001 + i}",
            name=f"Учреждение {i}",
            members_count=100 * (i + 1),
            fetch_status="ok",
            error_reason=None,
            payload={"id": 1001 + i},
        )
        if i == n - 1:
            row.update(
                members_count=None, fetch_status="private", error_reason="closed community", payload=None
            )
        rows.append(row)
    return rows


def post_rows(day: date, window_days: int = 7) -> list[dict]:
    """Posts of the fetched pages, including both edges of the window [start, end)."""
    start, end = dates.window_start(day, window_days), dates.window_end(day)
    moments = [start, start + (end - start) / 2, end - timedelta(microseconds=1)]
    rows = []
    for i in range(PAGES - 1):
        for j, moment in enumerate(moments):
            rows.append(
                dict(
                    snapshot_date=day,
                    page_key=page_key(i),
                    group_id=1001 + i,
                    post_id=10 * i + j,
                    posted_at=moment,
                    views=None if j == 0 else 50,
                    likes=j,
                    reposts=0,
                    comments=1,
                    text="пост",
                    payload={"id": 10 * i + j},
                )
            )
    return rows


def land(day: date, pages: list[dict], posts: list[dict], details: dict | None = None) -> int:
    result = loads.land(
        "vk",
        day,
        [
            RawBatch("raw.vk_pages", PAGE_COLUMNS, [[r[c] for c in PAGE_COLUMNS] for r in pages]),
            RawBatch("raw.vk_posts", POST_COLUMNS, [[r[c] for c in POST_COLUMNS] for r in posts]),
        ],
        details=details,
    )
    return result.load_id


def status(load_id: int) -> str:
    return loads.get(load_id)["status"]


def audit_rows(load_id: int) -> list[tuple]:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute(
            "select suite, success, evaluated, failed, failures from audit.validations where load_id = %s "
            "order by validation_id",
            (load_id,),
        )
        return cur.fetchall()


def failed_names(outcome) -> set[tuple[str, str | None]]:
    return {(f["expectation"], f["column"]) for f in outcome.failures}


# ----------------------------------------------------------------------------------------------------


def test_good_load_validates_and_is_published(warehouse, gx_project):
    load_id = land(DAY, page_rows(DAY), post_rows(DAY))

    outcome = check_and_publish(load_id)

    assert outcome.success, outcome.failure_lines()
    assert (outcome.suite, outcome.evaluated, outcome.failed, outcome.failures) == (
        "vk_raw_load",
        N_EXPECTATIONS,
        0,
        [],
    )
    assert outcome.parameters["registry_pages"] == PAGES
    assert status(load_id) == "validated"
    assert audit_rows(load_id) == [("vk_raw_load", True, N_EXPECTATIONS, 0, [])]
    assert outcome.data_docs == str(gx_project / "gx/uncommitted/data_docs/local_site/index.html")
    assert "vk_raw_load" in open(outcome.data_docs, encoding="utf-8").read()
    pages = list((gx_project / "gx/uncommitted/data_docs/local_site").rglob("*.html"))
    assert len(pages) >= 3  # index, suites, results
    assert not [p for p in pages if "dataContextId" in p.read_text() or "logo-long.png?" in p.read_text()]
    assert 'src="static/images/logo-long.png"' in open(outcome.data_docs, encoding="utf-8").read()
    assert json.loads(json.dumps(outcome.to_dict()))["snapshot_date"] == "2026-11-09"


def test_a_validation_logs_no_great_expectations_chatter_at_info(warehouse, caplog):
    """A validate task's log is the outcome, not ~250 lines of GX start-up at INFO."""
    caplog.set_level(logging.INFO)
    load_id = land(DAY, page_rows(DAY), post_rows(DAY))

    assert check_and_publish(load_id).success

    chatter = [r.getMessage() for r in caplog.records
               if r.name.startswith("great_expectations") and r.levelno < logging.WARNING]
    assert chatter == []
    assert logging.getLogger("great_expectations").getEffectiveLevel() == logging.WARNING


def test_negative_members_count_is_rejected_and_the_validated_load_stays_visible(warehouse):
    """A negative members_count is quarantined at landing (the page is published with members NULL);
    one page of 6 is a share of 1/6 > 0.05, so the load fails on the quarantine gate."""
    good = land(DAY, page_rows(DAY), post_rows(DAY))
    check_and_publish(good)
    pages = page_rows(DAY)
    pages[1]["members_count"] = -5
    bad = land(DAY, pages, post_rows(DAY))

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(bad)

    outcome = caught.value.outcome
    assert not outcome.success
    assert failed_names(outcome) == {("expect_column_values_to_be_between", "quarantine_share")}
    assert outcome.failures[0]["table"] == "raw.loads"
    assert outcome.failures[0]["observed"]["examples"] == [pytest.approx(1 / 6)]
    assert outcome.failures[0]["quarantine"] == {"members_count_out_of_range": 1}
    lines = str(caught.value).splitlines()
    assert len(lines) == 2  # a head line + one line per failed expectation
    assert "expect_column_values_to_be_between on raw.loads.quarantine_share: 1 of 1 rows unexpected" in lines[1]
    assert "[quarantined: members_count_out_of_range 1]" in lines[1]
    assert (status(good), status(bad)) == ("validated", "failed")
    assert "quarantine_share" in loads.get(bad)["details"]["failure"]
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("select count(*) from raw.vk_pages where load_id = %s", (good,))
        assert cur.fetchone()[0] == PAGES  # the visible load kept its rows
    assert [r[1:4] for r in audit_rows(bad)] == [(False, N_EXPECTATIONS, 1)]


def test_post_before_the_window_fails(warehouse):
    """(A post dated at or after the window end is quarantined at landing: test_quarantine.py.)"""
    posts = post_rows(DAY)
    posts[0]["posted_at"] = dates.window_start(DAY, 7) - timedelta(seconds=1)
    load_id = land(DAY, page_rows(DAY), posts)

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    outcome = caught.value.outcome
    assert failed_names(outcome) == {("expect_column_values_to_be_between", "posted_at")}
    assert outcome.failures[0]["table"] == "raw.vk_posts"
    assert outcome.failures[0]["observed"]["unexpected"] == 1
    assert status(load_id) == "failed"


def test_window_days_come_from_the_load_details(warehouse):
    posts = post_rows(DAY)  # the 7-day window
    narrow = land(DAY, page_rows(DAY), posts, details={"window_days": 3})
    wide = land(DAY, page_rows(DAY), posts, details={"window_days": 7})

    narrow_outcome, wide_outcome = validate_load(narrow), validate_load(wide)

    assert failed_names(narrow_outcome) == {("expect_column_values_to_be_between", "posted_at")}
    assert narrow_outcome.parameters["window_start"] == dates.window_start(DAY, 3).isoformat()
    assert wide_outcome.success
    # validate_load alone records the result but leaves the status to check_and_publish
    assert (status(narrow), status(wide)) == ("loaded", "loaded")
    assert [r[1] for r in audit_rows(narrow)] == [False]


def test_load_missing_registry_pages_fails(warehouse):
    load_id = land(DAY, page_rows(DAY)[:-2], post_rows(DAY)[:-3])  # two registry pages not accounted for

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    outcome = caught.value.outcome
    assert failed_names(outcome) == {("expect_table_row_count_to_equal", None)}
    assert outcome.failures[0]["observed"] == PAGES - 2
    assert status(load_id) == "failed"


def test_page_outside_the_registry_fails(warehouse):
    pages = page_rows(DAY)
    pages[0].update(page_key="vk:999999", group_id=999999)  # count still matches the registry
    posts = [p for p in post_rows(DAY) if p["page_key"] != page_key(0)]

    outcome = validate_load(land(DAY, pages, posts))

    assert failed_names(outcome) == {("unexpected_rows_expectation", None)}
    assert outcome.failures[0]["observed"] == 1  # one unexpected row
    assert "registry page" in outcome.failures[0]["description"]


def test_duplicate_page_key_fails(warehouse):
    # The table's primary key already forbids this; the expectation must hold on its own, so the
    # constraint is dropped in this test database to let a duplicate through.
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("select conname from pg_constraint where conrelid = 'raw.vk_pages'::regclass and contype = 'p'")
        cur.execute(f"alter table raw.vk_pages drop constraint {cur.fetchone()[0]}")
    pages = page_rows(DAY)
    pages[2] = dict(pages[1])  # page 2 missing, page 1 twice: the row count still equals the registry
    posts = [p for p in post_rows(DAY) if p["page_key"] != page_key(2)]
    load_id = land(DAY, pages, posts)

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    assert failed_names(caught.value.outcome) == {("expect_column_values_to_be_unique", "page_key")}
    assert status(load_id) == "failed"


def test_broken_extraction_fails_on_the_share_of_ok_pages(warehouse, monkeypatch):
    pages = page_rows(DAY)
    for row in pages[:4]:  # 4 of 6 pages erroring: 1/6 ok
        row.update(fetch_status="error", members_count=None, error_reason="timeout")
    load_id = land(DAY, pages, [p for p in post_rows(DAY) if p["page_key"] == page_key(4)])

    outcome = validate_load(load_id)
    assert failed_names(outcome) == {("expect_column_values_to_be_in_set", "fetch_status_resolved")}
    assert outcome.parameters["min_ok_share"] == 0.5
    assert outcome.failures[0]["observed"]["unexpected"] == 5  # five pages not 'ok'

    monkeypatch.setenv("GOSPUBLIKI_MIN_OK_SHARE", "0.1")
    assert validate_load(load_id).success
    assert not validate_load(load_id, min_ok_share=0.2).success


def test_unknown_fetch_status_and_negative_counters_fail(warehouse):
    pages = page_rows(DAY)
    pages[0]["fetch_status"] = "banned"
    posts = post_rows(DAY)
    posts[0]["likes"], posts[1]["views"] = -1, -7
    outcome = validate_load(land(DAY, pages, posts))

    assert failed_names(outcome) == {
        ("expect_column_values_to_be_in_set", "fetch_status"),  # the known set; 'ok' share still 4/6
        ("expect_column_values_to_be_between", "quarantine_share"),  # 2 of 15 posts quarantined
    }
    assert len(outcome.failures) == 2
    gate = next(f for f in outcome.failures if f["column"] == "quarantine_share")
    assert gate["quarantine"] == {"negative_counter": 2} and gate["observed"]["examples"] == [2 / 15]


def test_load_without_posts_validates(warehouse):
    """A table of the load may be empty (no posts in the window): its checks hold vacuously."""
    load_id = land(DAY, page_rows(DAY), [])

    outcome = check_and_publish(load_id)

    assert outcome.success and status(load_id) == "validated"


def test_loads_of_different_dates_validated_one_after_another(warehouse):
    day2 = DAY + timedelta(days=1)
    first = land(DAY, page_rows(DAY), post_rows(DAY))
    pages = page_rows(day2)
    pages[0]["members_count"] = -1
    broken = land(day2, pages, post_rows(day2))
    second = land(day2, page_rows(day2), post_rows(day2))

    results = [validate_load(first), validate_load(broken), validate_load(first), check_and_publish(second)]

    assert [r.success for r in results] == [True, False, True, True]
    assert failed_names(results[1]) == {("expect_column_values_to_be_between", "quarantine_share")}
    # each run had its own window: day2's newest posts lie outside DAY's window and vice versa
    assert results[0].parameters["window_end"] != results[3].parameters["window_end"]
    check_and_publish(first)
    assert (status(first), status(second)) == ("validated", "validated")


def _validate_in_process(load_id: int) -> tuple[bool, int, list]:
    outcome = validate_load(load_id)
    return outcome.success, outcome.load_id, sorted(f["column"] for f in outcome.failures)


def test_concurrent_validations_of_two_dates(warehouse):
    """Two processes (as two Airflow tasks would be) validate loads of two dates at the same time."""
    day2 = DAY + timedelta(days=1)
    good = land(DAY, page_rows(DAY), post_rows(DAY))
    pages = page_rows(day2)
    pages[3]["members_count"] = -3
    bad = land(day2, pages, post_rows(day2))

    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_validate_in_process, [good, bad, good, bad]))

    assert results == [(True, good, []), (False, bad, ["quarantine_share"])] * 2
    assert [r[1] for r in audit_rows(good)] == [True, True]
    assert [r[1] for r in audit_rows(bad)] == [False, False]


def test_only_a_loaded_load_can_be_checked(warehouse):
    load_id = land(DAY, page_rows(DAY), post_rows(DAY))
    check_and_publish(load_id)
    with pytest.raises(ValueError, match="'validated'"):
        check_and_publish(load_id)
    with pytest.raises(ValueError, match="no load"):
        validate_load(10**9)


def test_a_source_without_a_suite_is_rejected(warehouse):
    load_id = loads.land("fb", DAY, []).load_id

    with pytest.raises(ValueError, match="no validation suite for source 'fb'"):
        check_and_publish(load_id)

    assert status(load_id) == "failed"
    assert audit_rows(load_id) == []


def test_committed_file_context_matches_the_code(fresh_db, tmp_path, monkeypatch):
    """Rebuilding the context from suites.py changes no committed file (the JSON is reproducible)."""
    root = tmp_path / "expectations"
    _copy_committed(root / "gx")
    monkeypatch.setenv("GOSPUBLIKI_EXPECTATIONS_DIR", str(root))

    build_context(fresh_db)

    committed = root.parent / "committed"
    _copy_committed(committed)
    cmp = filecmp.dircmp(committed, root / "gx", ignore=["uncommitted"])

    def differences(c) -> list[str]:
        found = [*c.diff_files, *c.left_only, *c.right_only]
        return found + [f for sub in c.subdirs.values() for f in differences(sub)]

    assert differences(cmp) == []


def test_post_of_a_page_missing_from_the_load_fails(warehouse):
    posts = post_rows(DAY)
    posts[0].update(page_key="vk:777", group_id=777)  # no such page row in the load

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(land(DAY, page_rows(DAY), posts))

    (failure,) = caught.value.outcome.failures
    assert (failure["expectation"], failure["table"], failure["observed"]) == (
        "unexpected_rows_expectation",
        "raw.vk_posts",
        1,
    )
    assert "unexpected_rows_expectation on raw.vk_posts: 1 unexpected rows" in str(caught.value)


def test_an_expectation_that_cannot_run_fails_closed(warehouse):
    load_id = land(DAY, page_rows(DAY), post_rows(DAY))
    with db.connect() as conn, conn.cursor() as cur:  # the posts asset's query now errors in PostgreSQL
        cur.execute("alter table raw.vk_posts drop column views")

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    failures = caught.value.outcome.failures
    assert len(failures) == len(suites.post_expectations(suites.VK))
    assert {f["table"] for f in failures} == {"raw.vk_posts"}
    assert all('column "views" does not exist' in f["observed"]["error"] for f in failures)
    assert status(load_id) == "failed"


def test_the_checkpoint_run_without_a_load_validates_nothing(warehouse):
    """Outside validate_load (no load id in the session), the assets' queries fail: no silent pass."""
    land(DAY, page_rows(DAY), post_rows(DAY))
    context = gx_context.open_context(warehouse)  # no load_id

    result = context.checkpoints.get("vk_raw_load").run(
        expectation_parameters={
            "registry_pages": 0,
            "min_ok_share": 0.0,
            "snapshot_date": "2026-11-09",
            "window_start": "2026-11-02T21:00:00+00:00",
            "window_end": "2026-11-09T21:00:00+00:00",
            "max_members": 200_000_000,
            "max_quarantine_share": 0.05,
            "min_read_again_share": 0.8,
            "min_nonzero_views_share": 0.5,
            "members_total_min": None,
            "members_total_max": None,
        }
    )

    assert not result.success
    for suite_result in result.run_results.values():
        assert all(not r.success for r in suite_result.results)
        assert all(
            "gospubliki.load_id" in json.dumps(r.exception_info, default=str) for r in suite_result.results
        )
