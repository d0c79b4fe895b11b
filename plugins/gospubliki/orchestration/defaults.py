"""Defaults every gospubliki DAG uses: retries, and the failure/retry alerts of every task
(``orchestration/alerts.py``; channels configured in docs/configuration.md, «Alerts»)."""

from datetime import timedelta

import pendulum

from gospubliki import settings
from gospubliki.orchestration.alerts import PipelineAlert

OWNER = "gospubliki-data"
START_DATE = pendulum.datetime(2026, 1, 1, tz="Europe/Moscow")
_RETRIES, _RETRY_DELAY = settings.task_retries()
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": _RETRIES,
    "retry_delay": timedelta(seconds=_RETRY_DELAY),
    "retry_exponential_backoff": True,
    "on_failure_callback": [PipelineAlert("failure")],
    "on_retry_callback": [PipelineAlert("retry")],
}
