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


# ---------------------------------------------------------------- dates mean what they say (issue 7)
TODAY = date(2026, 11, 30)


def test_a_future_snapshot_date_is_refused_for_every_network_simulated_or_live():
    from gospubliki.dates import SnapshotDateRefused, check_snapshot_date

    for live in (True, False):
        with pytest.raises(SnapshotDateRefused, match=r"2027-06-01 is in the future \(today is 2026-11-30 in Moscow\)"):
            check_snapshot_date(date(2027, 6, 1), live=live, force_past=True, today=TODAY)
        with pytest.raises(SnapshotDateRefused, match="in the future"):
            check_snapshot_date(date(2026, 12, 1), live=live, today=TODAY)
    assert check_snapshot_date(TODAY, live=True, today=TODAY) == TODAY


def test_the_future_is_counted_in_moscow_time():
    from gospubliki.dates import today_in_moscow

    # 22:30 UTC on the 30th is already 1 December in Moscow: the 1st is today there, not the future
    assert today_in_moscow(datetime(2026, 11, 30, 22, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert today_in_moscow(datetime(2026, 11, 30, 20, 59, tzinfo=UTC)) == date(2026, 11, 30)


def test_a_live_api_refuses_dates_beyond_the_horizon_unless_forced(monkeypatch):
    from gospubliki.dates import SnapshotDateRefused, check_snapshot_date

    monkeypatch.delenv("GOSPUBLIKI_SNAPSHOT_HORIZON_DAYS", raising=False)
    monkeypatch.delenv("GOSPUBLIKI_FORCE_PAST", raising=False)
    assert check_snapshot_date(date(2026, 11, 28), live=True, today=TODAY) == date(2026, 11, 28)  # 2 days: ok
    with pytest.raises(SnapshotDateRefused, match="2026-11-27 is 3 days back, beyond the 2-day horizon"):
        check_snapshot_date(date(2026, 11, 27), live=True, today=TODAY)
    assert check_snapshot_date(date(2026, 11, 27), live=True, force_past=True, today=TODAY) == date(2026, 11, 27)
    # the simulator replays the past: the demo's and the tests' backfills of 2026-03-01 stay possible
    assert check_snapshot_date(date(2026, 3, 1), live=False, today=TODAY) == date(2026, 3, 1)
    # the settings: a wider horizon, or forcing from the environment (what `gospubliki run --force-past` sets)
    monkeypatch.setenv("GOSPUBLIKI_SNAPSHOT_HORIZON_DAYS", "5")
    assert check_snapshot_date(date(2026, 11, 25), live=True, today=TODAY) == date(2026, 11, 25)
    with pytest.raises(SnapshotDateRefused, match="6 days back, beyond the 5-day horizon"):
        check_snapshot_date(date(2026, 11, 24), live=True, today=TODAY)
    monkeypatch.setenv("GOSPUBLIKI_FORCE_PAST", "1")
    assert check_snapshot_date(date(2026, 3, 1), live=True, today=TODAY) == date(2026, 3, 1)
    with pytest.raises(SnapshotDateRefused):  # an explicit `force_past=False` wins over the setting
        check_snapshot_date(date(2026, 3, 1), live=True, force_past=False, today=TODAY)


def test_the_simulator_is_recognised_by_its_as_of_urls_real_apis_are_live():
    from gospubliki.dates import serves_past_state

    assert serves_past_state("http://127.0.0.1:8765/asof/{snapshot_date}")
    assert serves_past_state("http://127.0.0.1:8765/asof/2026-03-01")
    assert serves_past_state("http://sim:8765/asof/2026-03-01/")
    assert not serves_past_state("https://api.vk.ru")
    assert not serves_past_state("https://api.ok.ru")
    assert not serves_past_state("http://127.0.0.1:8765")  # the emulator's «today» path acts live
    assert not serves_past_state("https://proxy.example/asofficial/api")


def test_a_bad_date_is_a_user_error_still_a_value_error():
    from gospubliki.errors import UserError

    with pytest.raises(UserError, match="expected YYYY-MM-DD"):
        parse_date("2026-13-01")
    with pytest.raises(ValueError):
        parse_date("yesterday")
