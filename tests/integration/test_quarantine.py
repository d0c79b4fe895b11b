# ruff: noqa: F811 - pytest fixtures imported from test_validation / test_vk_extract are test arguments
"""Row-level quarantine at landing and the load-level plausibility gates (issue 7, items 2 and 3).

Real PostgreSQL and the committed Great Expectations context (the fixtures of test_validation.py);
the last test takes its data from a real VK extraction over HTTP from the simulator.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_validation import (  # noqa: F401 - fixtures
    DAY,
    PAGES,
    failed_names,
    gx_project,
    land,
    page_key,
    page_rows,
    post_rows,
    status,
    warehouse,
)
from test_vk_extract import DAY as DAY_VK
from test_vk_extract import registry, world  # noqa: F401 - fixtures

from gospubliki import dates
from gospubliki.extract.vk import run_vk_extraction
from gospubliki.quality import ValidationFailed, check_and_publish, validate_load
from gospubliki.simulator.config import DEFAULT_VK_TOKENS, Faults
from gospubliki.simulator.server import start_in_thread
from gospubliki.warehouse import db, loads

pytestmark = pytest.mark.integration

DAY2 = DAY + timedelta(days=1)


def query(sql: str, *args) -> list[tuple]:
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def implausible_load():
    """6 pages (page 0 reports 10^12 members) and 20 posts: the 15 good ones, 2 dated after the
    snapshot day, 1 dated in 2100, posts 3 and 4 read twice, post 5 with comments = -2."""
    pages = page_rows(DAY)
    pages[0]["members_count"] = 10**12
    posts = post_rows(DAY)
    posts[5]["comments"] = -2
    end = dates.window_end(DAY)
    extra = [
        dict(posts[0], post_id=900, posted_at=end + timedelta(hours=1)),
        dict(posts[0], post_id=901, posted_at=end),
        dict(posts[0], post_id=902, posted_at=datetime(2100, 1, 1, tzinfo=UTC)),
        dict(posts[3], likes=99),  # the same post again (its later copy is the one quarantined)
        dict(posts[4]),
    ]
    return pages, posts + extra


def test_implausible_rows_are_quarantined_with_their_reason_and_counted(warehouse, monkeypatch):
    pages, posts = implausible_load()
    load_id = land(DAY, pages, posts)

    rows = query(
        "select table_name, row_number, row_key, reason, counted, action from raw.quarantine "
        "where load_id = %s order by table_name, row_number",
        load_id,
    )
    assert rows == [
        ("raw.vk_pages", 1, {"page_key": "vk:1001"}, "members_count_out_of_range", True, "value_nulled"),
        ("raw.vk_posts", 6, {"group_id": 1002, "post_id": 12}, "negative_counter", True, "withheld"),
        ("raw.vk_posts", 16, {"group_id": 1001, "post_id": 900}, "posted_after_snapshot_day", False, "withheld"),
        ("raw.vk_posts", 17, {"group_id": 1001, "post_id": 901}, "posted_after_snapshot_day", False, "withheld"),
        ("raw.vk_posts", 18, {"group_id": 1001, "post_id": 902}, "posted_in_future", True, "withheld"),
        ("raw.vk_posts", 19, {"group_id": 1002, "post_id": 10}, "duplicate", True, "withheld"),
        ("raw.vk_posts", 20, {"group_id": 1002, "post_id": 11}, "duplicate", True, "withheld"),
    ]
    details = query("select row_data, detail from raw.quarantine where load_id = %s and row_number = 1", load_id)
    assert details[0][0]["members_count"] == 10**12  # the row as received is kept
    assert details[0][1] == "members_count = 1000000000000 outside [0, 200000000]"
    assert query(
        "select detail from raw.quarantine where load_id = %s and reason in ('negative_counter', 'duplicate') "
        "order by row_number",
        load_id,
    ) == [("comments = -2",), ("same key as row 4",), ("same key as row 5",)]
    info = loads.get(load_id)
    assert info["details"]["quarantine"] == {
        "rows": 7,
        "by_reason": {
            "duplicate": 2,
            "members_count_out_of_range": 1,
            "negative_counter": 1,
            "posted_after_snapshot_day": 2,
            "posted_in_future": 1,
        },
        "by_table": {
            "raw.vk_pages": {"received": 6, "quarantined": 1, "counted": 1, "share": 1 / 6},
            "raw.vk_posts": {"received": 20, "quarantined": 6, "counted": 4, "share": 0.2},
        },
        "share": 0.2,
    }
    assert info["rows"] == 6 + 14 and info["details"]["rows_by_table"] == {"raw.vk_pages": 6, "raw.vk_posts": 14}

    monkeypatch.setenv("GOSPUBLIKI_MAX_QUARANTINE_SHARE", "0.25")
    outcome = check_and_publish(load_id)

    assert outcome.success and status(load_id) == "validated"
    # what staging reads (raw rows of validated loads) holds none of the quarantined values
    assert query("select members_count, fetch_status from raw.vk_pages where load_id = %s and page_key = %s",
                 load_id, page_key(0)) == [(None, "ok")]
    published = query("select post_id, likes, comments from raw.vk_posts where load_id = %s order by post_id", load_id)
    assert [p[0] for p in published] == [0, 1, 2, 10, 11, 20, 21, 22, 30, 31, 32, 40, 41, 42]
    assert dict((p[0], p[1]) for p in published)[10] == posts[3]["likes"]  # the first copy was published
    assert min(p[2] for p in published) >= 0


def test_duplicates_across_the_straight_copy_and_the_staging(warehouse):
    """Clean rows COPY straight into the raw table and only suspect ones are staged (issue 10,
    item 4): a key's first row can be on either side, and the outcome is the staged path's own.
    A key first seen clean keeps that row; a later copy is 'duplicate' unless a rule caught it
    first; a key whose first row is withheld publishes its first clean copy; a value_nulled page
    stays the published one."""
    pages = page_rows(DAY)
    pages[0]["members_count"] = 10**12  # row 1: value_nulled
    pages.append(dict(pages[0], members_count=5))  # row 7: the same page again
    posts = post_rows(DAY)  # rows 1-15, clean: straight into raw.vk_posts
    posts += [
        dict(posts[0], comments=-1),  # row 16: key of row 1, caught by a rule first
        dict(posts[0]),  # row 17: key of row 1 again
        dict(posts[1], post_id=77, likes=-5),  # row 18: a new key, withheld
        dict(posts[1], post_id=77),  # row 19: its first clean copy, published (likes 1)
        dict(posts[1], post_id=77, likes=3),  # row 20: duplicate of row 19
    ]
    load_id = land(DAY, pages, posts)

    assert query(
        "select table_name, row_number, reason, detail, action from raw.quarantine where load_id = %s "
        "order by table_name, row_number",
        load_id,
    ) == [
        ("raw.vk_pages", 1, "members_count_out_of_range", "members_count = 1000000000000 outside [0, 200000000]",
         "value_nulled"),
        ("raw.vk_pages", 7, "duplicate", "same key as row 1", "withheld"),
        ("raw.vk_posts", 16, "negative_counter", "comments = -1", "withheld"),
        ("raw.vk_posts", 17, "duplicate", "same key as row 1", "withheld"),
        ("raw.vk_posts", 18, "negative_counter", "likes = -5", "withheld"),
        ("raw.vk_posts", 20, "duplicate", "same key as row 19", "withheld"),
    ]
    assert query("select members_count from raw.vk_pages where load_id = %s and page_key = %s",
                 load_id, page_key(0)) == [(None,)]
    assert query("select likes, comments from raw.vk_posts where load_id = %s and post_id in (0, 77) "
                 "order by post_id", load_id) == [(0, 1), (1, 1)]
    assert loads.get(load_id)["details"]["rows_by_table"] == {"raw.vk_pages": 6, "raw.vk_posts": 16}


def test_a_value_out_of_its_column_range_fails_the_load_never_wraps(warehouse):
    """Binary COPY (issue 10, item 4): psycopg's binary integer dumper would send 2^40 into an
    integer column as 0; the load fails with the row named, as a text COPY failed, and leaves
    nothing behind."""
    columns = ["snapshot_date", "page_key", "channel_id", "post_id", "posted_at", "message_count"]
    posted = dates.window_end(DAY) - timedelta(hours=2)
    rows = [(DAY, "tg:a", 1, 1, posted, 1), (DAY, "tg:a", 1, 2, posted, 2**40)]

    with pytest.raises(ValueError, match=r"COPY raw\.tg_posts, row 2: 1099511627776 is out of range for a 32-bit"):
        loads.land("tg", DAY, [loads.RawBatch("raw.tg_posts", columns, rows)])

    assert query("select count(*) from raw.loads where source = 'tg'") == [(0,)]
    assert query("select count(*) from raw.tg_posts") == [(0,)]


def test_a_value_of_the_wrong_type_fails_the_load_naming_the_row(warehouse):
    """A post id given as text: binary COPY sends each value as its column's type, so the load
    fails with the batch's row and the types of its values instead of PostgreSQL parsing it."""
    posts = post_rows(DAY)
    posts[2]["post_id"] = str(posts[2]["post_id"])

    with pytest.raises(ValueError, match=r"COPY quarantine_stage, row 3 of the batch: .*post_id: str"):
        land(DAY, page_rows(DAY), posts)

    assert query("select count(*) from raw.loads") == [(0,)]


def test_a_quarantined_share_above_the_threshold_fails_the_load(warehouse):
    pages, posts = implausible_load()
    load_id = land(DAY, pages, posts)

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    (failure,) = caught.value.outcome.failures
    assert (failure["expectation"], failure["table"], failure["column"]) == (
        "expect_column_values_to_be_between",
        "raw.loads",
        "quarantine_share",
    )
    assert failure["observed"]["examples"] == [0.2] and failure["expected"]["max_value"] == 0.05
    assert failure["quarantine"]["posted_in_future"] == 1
    assert status(load_id) == "failed"
    assert "quarantine_share" in loads.get(load_id)["details"]["failure"]
    audit = query("select failures from audit.validations where load_id = %s", load_id)[0][0]
    assert audit[0]["column"] == "quarantine_share" and audit[0]["observed"]["examples"] == [0.2]


def test_posts_after_the_snapshot_day_are_quarantined_but_do_not_fail_the_load(warehouse):
    """A run after midnight (or a backfill) sees newer posts: kept aside, counted by reason, not a
    sign of a bad source, so the load stays valid whatever their number."""
    posts = post_rows(DAY)
    end = dates.window_end(DAY)
    posts += [dict(posts[0], post_id=500 + i, posted_at=end + timedelta(minutes=i)) for i in range(10)]
    load_id = land(DAY, page_rows(DAY), posts)

    outcome = check_and_publish(load_id)

    assert outcome.success
    q = loads.get(load_id)["details"]["quarantine"]
    assert (q["rows"], q["by_reason"], q["share"]) == (10, {"posted_after_snapshot_day": 10}, 0.0)
    assert query("select count(*) from raw.vk_posts where load_id = %s", load_id) == [(15,)]


def test_an_empty_load_fails(warehouse):
    """The registry was emptied (e.g. by a bad import): the next load has no pages at all."""
    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("delete from registry.pages")
    load_id = land(DAY, [], [])

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    failures = caught.value.outcome.failures
    assert (failures[0]["expectation"], failures[0]["table"], failures[0]["observed"]) == (
        "expect_table_row_count_to_be_between",
        "raw.vk_pages",
        0,
    )
    # and an empty column has no members total at all (GX: sum null)
    assert failed_names(caught.value.outcome) == {
        ("expect_table_row_count_to_be_between", None),
        ("expect_column_sum_to_be_between", "members_count_compared"),
    }
    assert status(load_id) == "failed"


def _first_day() -> int:
    load_id = land(DAY, page_rows(DAY), post_rows(DAY))
    check_and_publish(load_id)
    return load_id


def _posts_of(day, keep_pages):
    return [p for p in post_rows(day) if p["page_key"] in keep_pages]


def test_a_drop_of_pages_read_against_the_previous_load_fails(warehouse):
    _first_day()  # 5 pages read 'ok', 1 private
    pages = page_rows(DAY2)
    for row in pages[:2]:  # 2 of the 5 pages read yesterday are not read today: 3/5 < 0.8
        row.update(fetch_status="error", members_count=None, error_reason="timeout")
    load_id = land(DAY2, pages, _posts_of(DAY2, {page_key(i) for i in range(2, PAGES)}))

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    (failure,) = caught.value.outcome.failures
    assert (failure["expectation"], failure["column"]) == (
        "expect_column_values_to_be_in_set",
        "fetch_status_if_read_before",
    )
    # 2 of the 5 pages read before; the 6th row (not read before) is null, outside the share
    assert failure["observed"] == {"unexpected": 2, "of": 6, "examples": ["error"]}
    assert failure["expected"]["mostly"] == 0.8
    assert status(load_id) == "failed"


def test_a_jump_of_subscribers_against_the_previous_load_fails(warehouse):
    _first_day()  # members 100 … 500 on the 5 pages read: 1500
    pages = page_rows(DAY2)
    for row in pages[:-1]:
        row["members_count"] *= 2
    load_id = land(DAY2, pages, post_rows(DAY2))

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    (failure,) = caught.value.outcome.failures
    assert (failure["expectation"], failure["column"], failure["observed"]) == (
        "expect_column_sum_to_be_between",
        "members_count_compared",
        3000,
    )
    assert failure["expected"] == {"min_value": 1200, "max_value": 1800}
    assert status(load_id) == "failed"


def test_every_post_with_zero_views_fails(warehouse):
    posts = post_rows(DAY)
    for p in posts:
        if p["views"] is not None:
            p["views"] = 0
    load_id = land(DAY, page_rows(DAY), posts)

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(load_id)

    (failure,) = caught.value.outcome.failures
    assert (failure["expectation"], failure["table"], failure["column"]) == (
        "expect_column_values_to_not_be_in_set",
        "raw.vk_posts",
        "views",
    )
    assert failure["observed"] == {"unexpected": 10, "of": 15, "examples": [0]}  # 5 posts have no views
    assert status(load_id) == "failed"


def test_a_normal_second_day_validates_against_the_first(warehouse, monkeypatch):
    first = _first_day()
    pages = page_rows(DAY2)
    for row in pages[:-1]:
        row["members_count"] += 10  # 1500 -> 1550: +3 %
    pages[0].update(fetch_status="error", members_count=None, error_reason="timeout")  # 4/5 read again
    load_id = land(DAY2, pages, _posts_of(DAY2, {page_key(i) for i in range(1, PAGES)}))

    outcome = check_and_publish(load_id)

    assert outcome.success, outcome.failure_lines()
    # compared over the 4 pages both loads counted: 200+300+400+500 = 1400 then, 1440 now
    assert (outcome.parameters["members_total_min"], outcome.parameters["members_total_max"]) == (1120, 1680)
    assert (status(first), status(load_id)) == ("validated", "validated")
    monkeypatch.setenv("GOSPUBLIKI_MAX_PAGES_READ_DROP", "0.1")  # 1 of 5 is a 20 % drop
    assert failed_names(validate_load(load_id)) == {("expect_column_values_to_be_in_set", "fetch_status_if_read_before")}


def test_an_extracted_load_quarantines_what_the_api_got_wrong(registry, world, gx_project):
    """Real VK extraction from the simulator: one page reports 10^12 members; another's wall serves
    3 posts dated after the snapshot day, 1 dated in 2100, its first 2 posts twice and a negative
    like count. Exactly those rows are quarantined; the load validates (a small share)."""
    vk_pages = [p for p in world.pages_on("vk") if not p.deactivated and p.is_closed == 0]
    busy = next(
        p for p in vk_pages if not p.pinned and len(world.posts_between(p, DAY_VK - timedelta(days=6), DAY_VK)) >= 4
    )
    huge = next(p for p in vk_pages if p is not busy)
    faults = Faults(
        page_anomalies={huge.key: "huge_members"},  # getById reports 10^12 members
        vk_wall_anomalies={busy.page_id: {"after_day": 3, "after_now": 1, "repeated": 2, "negative_likes": 1}},
    )
    with start_in_thread(world, faults=faults) as sim:
        result = run_vk_extraction(
            DAY_VK, url=registry, base_url=sim.url_template, tokens=list(DEFAULT_VK_TOKENS), rps=50
        )

    by_reason = dict(
        query("select reason, count(*) from raw.quarantine where load_id = %s group by 1", result.load_id)
    )
    assert by_reason == {
        "members_count_out_of_range": 1,
        "posted_after_snapshot_day": 3,
        "posted_in_future": 1,
        "duplicate": 2,
        "negative_counter": 1,
    }
    keys = query(
        "select reason, row_key from raw.quarantine where load_id = %s and reason <> 'members_count_out_of_range'",
        result.load_id,
    )
    assert {k["group_id"] for _, k in keys} == {busy.page_id}
    assert result.quarantine["rows"] == 8 and result.quarantine["by_table"]["raw.vk_pages"]["counted"] == 1
    members = query(
        "select members_count from raw.vk_pages p join registry.pages r using (page_key) "
        "where p.load_id = %s and p.group_id = %s",
        result.load_id,
        huge.page_id,
    )
    assert members == [(None,)]

    outcome = check_and_publish(result.load_id, url=registry)

    assert outcome.success, outcome.failure_lines()
    assert query(
        "select count(*) from raw.vk_posts where load_id = %s and (likes < 0 or post_id >= 1000000000)",
        result.load_id,
    ) == [(0,)]



def test_an_extraction_of_an_empty_registry_is_not_published(fresh_db, world, gx_project):
    """The issue's reproduction: the registry was replaced by nothing; the next VK extraction lands
    a load without a page, and its validation fails instead of publishing it."""
    db.apply_schema(fresh_db)
    with start_in_thread(world) as sim:
        result = run_vk_extraction(
            DAY_VK, url=fresh_db, base_url=sim.url_template, tokens=list(DEFAULT_VK_TOKENS), rps=50
        )
    assert result.rows == {"raw.vk_pages": 0, "raw.vk_posts": 0}

    with pytest.raises(ValidationFailed) as caught:
        check_and_publish(result.load_id, url=fresh_db)

    assert ("expect_table_row_count_to_be_between", None) in failed_names(caught.value.outcome)
    assert loads.get(result.load_id, fresh_db)["status"] == "failed"
