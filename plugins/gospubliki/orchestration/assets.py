"""Airflow Assets of the marts: what the daily DAG rebuilt, what the weekly reports DAG waits for.

One Asset per mart (every model of ``dbt_project/models/marts/``, listed from the files so a new
mart gets its Asset without a change here), URI ``gospubliki://marts/<model>``. Not the Postgres
provider's ``postgres://host:port/database/schema/table`` scheme: that URI names one server,
which differs between the embedded warehouse, the tests and compose, and the weekly DAG must wait
for the same Asset everywhere. Airflow treats a URI of an unknown scheme as an opaque string
(docs: «Asset Definitions», what is a valid URI); the reserved ``airflow`` scheme is not used.

``RATING_WEEK`` is the event «the rating mart holds a whole ISO week» (the daily run of a Sunday
rebuilt the marts): the weekly reports DAG is scheduled on it, so it exports a week once its last
day is in — after a late re-run or a backfill of that Sunday too, never before.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

URI = "gospubliki://marts/{name}"
RATING_MART = "municipality_rating"


def mart_names(project: Path | None = None) -> list[str]:
    """The dbt models under ``models/marts/`` (sorted)."""
    from gospubliki.transform.dbt import project_dir

    folder = (project or project_dir()) / "models" / "marts"
    return sorted(p.stem for p in folder.rglob("*.sql"))


def mart_asset(name: str):
    from airflow.sdk import Asset

    return Asset(uri=URI.format(name=name), name=f"marts.{name}", group="marts")


def mart_assets(project: Path | None = None) -> list:
    return [mart_asset(name) for name in mart_names(project)]


def rating_week_asset():
    from airflow.sdk import Asset

    return Asset(uri=URI.format(name=f"{RATING_MART}/week"), name=f"marts.{RATING_MART}.week", group="marts")


def completes_a_week(day: date) -> bool:
    """A snapshot date that is a Sunday closes its ISO week (Monday–Sunday, Moscow dates)."""
    return day.isoweekday() == 7


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
