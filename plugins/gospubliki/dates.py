"""Snapshot-date rules: which day a run is for.

A daily run at 03:00 Europe/Moscow collects the *previous* day. In Airflow 3 a cron schedule has a
zero-length data interval and a manual run may have no logical date at all, so the day is derived
explicitly here, from the one thing every run has (``run_after``/``logical_date``) and an optional
explicit override (``conf`` ``{"snapshot_date": "YYYY-MM-DD"}``) for backfills and re-runs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")


def snapshot_date_for(moment: datetime) -> date:
    """The day a run triggered at ``moment`` is for: the previous calendar day in Moscow."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return (moment.astimezone(MOSCOW) - timedelta(days=1)).date()


def resolve_snapshot_date(
    *, conf: dict | None = None, logical_date: datetime | None = None, run_after: datetime | None = None
) -> date:
    """Snapshot date of an Airflow run.

    1. ``conf["snapshot_date"]`` when given (manual re-run of a chosen day);
    2. otherwise the day before ``logical_date`` (scheduled and backfill runs), in Moscow time;
    3. otherwise the day before ``run_after`` (manual runs without a logical date).
    """
    if conf and conf.get("snapshot_date"):
        return parse_date(str(conf["snapshot_date"]))
    moment = logical_date or run_after
    if moment is None:
        raise ValueError("cannot derive a snapshot date: no conf, logical_date or run_after")
    return snapshot_date_for(moment)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not a date (expected YYYY-MM-DD): {text!r}") from exc


def window_start(snapshot_date: date, days: int) -> datetime:
    """Start (inclusive, UTC) of the post window of ``days`` days ending with ``snapshot_date``
    (Moscow calendar days)."""
    start_day = snapshot_date - timedelta(days=days - 1)
    return datetime(start_day.year, start_day.month, start_day.day, tzinfo=MOSCOW).astimezone(ZoneInfo("UTC"))


def window_end(snapshot_date: date) -> datetime:
    """End (exclusive, UTC) of the snapshot day in Moscow time."""
    nxt = snapshot_date + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=MOSCOW).astimezone(ZoneInfo("UTC"))
