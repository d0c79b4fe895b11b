"""Snapshot-date rules: which day a run is for.

A daily run at 03:00 Europe/Moscow collects the *previous* day. In Airflow 3 a cron schedule has a
zero-length data interval and a manual run may have no logical date at all, so the day is derived
explicitly here, from the one thing every run has (``run_after``/``logical_date``) and an optional
explicit override (``conf`` ``{"snapshot_date": "YYYY-MM-DD"}``) for backfills and re-runs.

Dates mean what they say (:func:`check_snapshot_date`): the networks' APIs answer with their
*present* state — members, badges, and today's counters of past posts — so a load is only the
snapshot of the day it is filed under when it is read on that day or soon after. A snapshot date
in the future is refused everywhere; one further back than ``GOSPUBLIKI_SNAPSHOT_HORIZON_DAYS``
(default 2) is refused for a live API unless forced (``--force-past``, ``GOSPUBLIKI_FORCE_PAST``,
the DAG param ``force_past``). The simulator is not live: it serves a date's world *as of* that
date (``/asof/YYYY-MM-DD`` base URLs, the simulated Telegram), so demos and tests backfill freely.
docs/operations.md says what a backfill can and cannot recover.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from gospubliki import settings
from gospubliki.errors import BadValue, UserError

MOSCOW = ZoneInfo("Europe/Moscow")
_ASOF = re.compile(r"/asof/(\{snapshot_date\}|\d{4}-\d{2}-\d{2})(/|$)")


class SnapshotDateRefused(UserError):
    """The snapshot date cannot be collected truthfully (future, or past the live horizon)."""


def today_in_moscow(now: datetime | None = None) -> date:
    """Today's calendar date in Moscow (the day snapshot dates are counted in)."""
    return (now or datetime.now(MOSCOW)).astimezone(MOSCOW).date()


def serves_past_state(api_url: str) -> bool:
    """True for an API base URL that answers *as of* a date (the simulator's ``/asof/DATE`` or a
    ``{snapshot_date}`` template): such an API can truthfully replay a past day; real APIs cannot."""
    return bool(_ASOF.search(api_url))


def check_snapshot_date(
    day: date, *, live: bool, force_past: bool | None = None, today: date | None = None
) -> date:
    """``day`` if it can be collected, else :class:`SnapshotDateRefused` with the reason.

    :param live: the API answers with its present state (every real network); ``False`` for the
        simulator, which replays any past day.
    :param force_past: collect a day beyond the horizon anyway (default: ``GOSPUBLIKI_FORCE_PAST``).
    """
    today = today or today_in_moscow()
    if day > today:
        raise SnapshotDateRefused(
            f"snapshot date {day} is in the future (today is {today} in Moscow): "
            "no API can show a day that has not happened"
        )
    horizon = settings.snapshot_horizon_days()
    back = (today - day).days
    if live and back > horizon and not (settings.force_past() if force_past is None else force_past):
        raise SnapshotDateRefused(
            f"snapshot date {day} is {back} days back, beyond the {horizon}-day horizon: a live API "
            f"returns today's members and counters, which would be filed as {day}'s; "
            "use --force-past (or GOSPUBLIKI_FORCE_PAST=1) to store them anyway"
        )
    return day


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
        raise BadValue(f"not a date (expected YYYY-MM-DD): {text!r}") from exc


def window_start(snapshot_date: date, days: int) -> datetime:
    """Start (inclusive, UTC) of the post window of ``days`` days ending with ``snapshot_date``
    (Moscow calendar days)."""
    start_day = snapshot_date - timedelta(days=days - 1)
    return datetime(start_day.year, start_day.month, start_day.day, tzinfo=MOSCOW).astimezone(ZoneInfo("UTC"))


def window_end(snapshot_date: date) -> datetime:
    """End (exclusive, UTC) of the snapshot day in Moscow time."""
    nxt = snapshot_date + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=MOSCOW).astimezone(ZoneInfo("UTC"))
