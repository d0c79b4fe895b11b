"""Defaults every gospubliki DAG uses."""

from datetime import timedelta

import pendulum

OWNER = "gospubliki-data"
START_DATE = pendulum.datetime(2026, 1, 1, tz="Europe/Moscow")
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
}
