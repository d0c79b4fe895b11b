"""Snapshot-date rules: scheduled, manual and backfill runs all get the right day."""

from datetime import UTC, date, datetime

import pytest

from gospubliki.dates import (
    MOSCOW,
    parse_date,
    resolve_snapshot_date,
    snapshot_date_for,
    window_end,
    window_start,
)


def test_the_0300_moscow_run_collects_the_previous_moscow_day():
    assert snapshot_date_for(datetime(2026, 11, 26, 3, 0, tzinfo=MOSCOW)) == date(2026, 11, 25)


def test_the_day_is_taken_in_moscow_time_not_utc():
    # 22:30 UTC on the 25th is already 01:30 on the 26th in Moscow: the run is for the 25th
    assert snapshot_date_for(datetime(2026, 11, 25, 22, 30, tzinfo=UTC)) == date(2026, 11, 25)
    # 20:59 UTC on the 25th is 23:59 on the 25th in Moscow: the run is for the 24th
    assert snapshot_date_for(datetime(2026, 11, 25, 20, 59, tzinfo=UTC)) == date(2026, 11, 24)


def test_naive_moments_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        snapshot_date_for(datetime(2026, 11, 26, 3, 0))


def test_scheduled_and_backfill_runs_use_the_logical_date():
    # Airflow 3 cron runs: data interval of zero length, logical_date = the scheduled moment
    logical = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)  # 03:00 Moscow on 1 Nov
    assert resolve_snapshot_date(conf={}, logical_date=logical, run_after=datetime(2026, 11, 26, tzinfo=UTC)) == date(
        2026, 10, 31
    )


def test_manual_runs_without_a_logical_date_use_run_after():
    run_after = datetime(2026, 11, 26, 9, 15, tzinfo=UTC)
    assert resolve_snapshot_date(conf=None, logical_date=None, run_after=run_after) == date(2026, 11, 25)


def test_conf_overrides_everything():
    day = resolve_snapshot_date(
        conf={"snapshot_date": "2026-11-20"}, logical_date=datetime(2026, 11, 26, tzinfo=UTC), run_after=None
    )
    assert day == date(2026, 11, 20)


def test_a_bad_conf_date_and_a_run_without_any_moment_are_clear_errors():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        resolve_snapshot_date(conf={"snapshot_date": "20.11.2026"}, logical_date=None, run_after=None)
    with pytest.raises(ValueError, match="cannot derive"):
        resolve_snapshot_date(conf={}, logical_date=None, run_after=None)
    assert parse_date("2026-02-28") == date(2026, 2, 28)


def test_the_post_window_is_seven_moscow_days_ending_with_the_snapshot_date():
    start, end = window_start(date(2026, 11, 25), 7), window_end(date(2026, 11, 25))
    assert start == datetime(2026, 11, 19, 0, 0, tzinfo=MOSCOW)
    assert end == datetime(2026, 11, 26, 0, 0, tzinfo=MOSCOW)
    assert (end - start).days == 7
    assert start.utcoffset().total_seconds() == 0 and start.hour == 21  # in UTC: 21:00 the day before
