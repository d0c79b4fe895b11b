"""Pipeline alerts: a task failed, a task will be retried, the daily run missed its deadline.

Attached to every task of every DAG through ``default_args`` (``orchestration/defaults.py``:
``on_failure_callback`` / ``on_retry_callback`` = :class:`PipelineAlert`), and to the daily DAG as
a ``DeadlineAlert`` (:func:`daily_deadline`). Task callbacks run in the task's own process under
any executor (Airflow 3's task runner, also under ``airflow dags test``); nothing here depends on
the executor. The text is one Jinja template, ``templates/alert.j2``; the channels are
``notifiers.py``.

What an alert says, from the failed task itself:
* the DAG, task, try (``try 2 of 3``), network (from the task id) and snapshot date (the
  ``snapshot_date`` task's XCom, else the run's conf);
* the failed expectations of a rejected load (``quality.ValidationFailed``: expectation, table and
  column, unexpected count and examples) or the failed dbt nodes with their messages
  (``transform.dbt.DbtFailed``), else the error;
* where to look: the task log in the UI, the load id and its ``audit.validations`` row, the CLI.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path

from airflow.providers.common.compat.notifier import BaseNotifier

from gospubliki import settings
from gospubliki.orchestration.networks import NETWORKS

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
SUBJECT = "[gospubliki] {{ alert.headline }}{% if alert.network != '—' %} · {{ alert.network }}{% endif %} · {{ alert.snapshot_date }}"


def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _cause_chain(error: BaseException | None):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def problems_of(error: BaseException | str | None) -> tuple[str, list[str]]:
    """(title, lines) naming what failed: expectations, dbt nodes, or the error itself."""
    # the classes, if their modules were ever imported (an instance cannot exist otherwise): an
    # alert must not import Great Expectations or dbt just to look
    validation_failed = getattr(sys.modules.get("gospubliki.quality.validate"), "ValidationFailed", ())
    dbt_failed = getattr(sys.modules.get("gospubliki.transform.dbt"), "DbtFailed", ())
    if error is None:
        return "", []
    if isinstance(error, str):
        return "Error", [error[:1000]]
    for exc in _cause_chain(error):
        if isinstance(exc, validation_failed):
            o = exc.outcome
            title = (f"Failed expectations ({o.failed} of {o.evaluated}, suite {o.suite}, "
                     f"audit.validations #{o.validation_id})")
            return title, _first(o.failure_lines())
        if isinstance(exc, dbt_failed):
            lines = [f"{status}: {node}: {message[:600]}" for node, status, message in exc.failures]
            if exc.exception is not None:
                lines.append(f"error: {type(exc.exception).__name__}: {str(exc.exception)[:600]}")
            return f"dbt {' '.join(exc.command[:2])} failed", _first(lines) or [str(exc)[:1000]]
    return "Error", [f"{type(error).__name__}: {str(error)[:1000]}"]


def _first(lines: list[str], count: int = 10, width: int = 600) -> list[str]:
    """At most ``count`` lines of at most ``width`` characters (an alert must stay readable and
    fit a Telegram message); the rest is counted."""
    out = [line if len(line) <= width else line[: width - 1] + "…" for line in lines[:count]]
    if len(lines) > count:
        out.append(f"… and {len(lines) - count} more (see the task log)")
    return out


def network_of(task_id: str | None) -> str:
    """The network a task works on (``extract_vk`` → ``VK``); '—' for tasks of all networks."""
    suffix = (task_id or "").rsplit("_", 1)[-1]
    return NETWORKS[suffix][0] if suffix in NETWORKS else "—"


def _xcom(ti, task_id: str):
    try:
        return ti.xcom_pull(task_ids=task_id)
    except Exception:  # noqa: BLE001 - an alert must go out even if XCom is unreachable
        return None


def _snapshot_date(context) -> str:
    ti = context.get("ti")
    day = _xcom(ti, "snapshot_date") if ti is not None else None
    if not day:
        conf = getattr(context.get("dag_run"), "conf", None) or {}
        day = conf.get("snapshot_date") or (context.get("params") or {}).get("snapshot_date")
    return str(day) if day else "—"


def _log_url(ti) -> str | None:
    url = getattr(ti, "log_url", None)
    base = settings.alerts().ui_url
    if url and base:  # the UI as users reach it, when the API's own base_url is not that
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        url = base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def task_alert(context, kind: str) -> dict:
    """The ``alert`` values of the template for a failed or retried task."""
    ti = context.get("ti")
    task_id = getattr(ti, "task_id", None)
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    try_number = getattr(ti, "try_number", None)
    max_tries = getattr(ti, "max_tries", None)
    title, problems = problems_of(context.get("exception"))
    network = network_of(task_id)
    load_id = None
    if task_id and task_id.startswith("validate_"):
        load_id = _xcom(ti, "extract_" + task_id.removeprefix("validate_"))
    day = _snapshot_date(context)
    where = []
    if load_id:
        where.append(f"raw.loads load_id = {load_id} (status, details.failure), and its rows in audit.validations")
    if "dbt" in (task_id or ""):
        where.append("the «dbt failures» block of the task log; reproduce: gospubliki dbt build --select <node>")
    if task_id and task_id.startswith(("extract_", "validate_")):
        where.append("docs/operations.md «When something fails»; gospubliki summary")
    else:
        where.append("gospubliki summary")
    headline = {"failure": "task failed", "retry": "task failed, will retry"}[kind]
    return {
        "kind": kind,
        "headline": f"{headline}: {task_id}",
        "dag_id": dag_id,
        "task_id": task_id,
        "try_number": try_number,
        "tries": (max_tries + 1) if isinstance(max_tries, int) else None,
        "network": network,
        "snapshot_date": day,
        "load_id": load_id,
        "problems_title": title,
        "problems": problems,
        "where": where,
        "log_url": _log_url(ti) if ti is not None else None,
    }


class PipelineAlert(BaseNotifier):
    """The ``on_failure_callback`` / ``on_retry_callback`` of every task: builds the alert from
    the task context and sends it through the configured channels (``notifiers.send``)."""

    def __init__(self, kind: str, **kwargs):
        super().__init__(**kwargs)
        if kind not in ("failure", "retry"):
            raise ValueError(f"kind must be 'failure' or 'retry', got {kind!r}")
        self.kind = kind

    def notify(self, context) -> None:
        from gospubliki.orchestration import notifiers

        alert = task_alert(context, self.kind)
        log.info("alert (%s): %s", self.kind, "; ".join([alert["headline"], *alert["problems"]]))
        context["alert"] = alert
        notifiers.send(context, SUBJECT, template("alert.j2"))


# --- the deadline of the daily run ------------------------------------------------------------

#: when the daily DAG's scheduled run starts (its logical date), Moscow time
DAILY_START = "03:00"


def deadline_interval(deadline: str, start: str = DAILY_START) -> timedelta:
    """Time from the run's logical date (``start``, Moscow) to ``deadline`` (HH:MM Moscow, the same
    day or, when earlier than the start, the next)."""
    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    delta = minutes(deadline) - minutes(start)
    return timedelta(minutes=delta if delta > 0 else delta + 24 * 60)


def daily_deadline():
    """The daily DAG's ``DeadlineAlert``: not finished ``GOSPUBLIKI_DAILY_DEADLINE`` (Moscow) after
    its 03:00 start → :func:`deadline_missed` in the triggerer. Airflow creates the deadline when
    the run is created and drops it when the run succeeds; the scheduler queues the callback when
    the time passes. ``None`` when the setting is ``off``."""
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    deadline = settings.alerts().daily_deadline
    if deadline is None:
        return None
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=deadline_interval(deadline),
        callback=AsyncCallback(deadline_missed, kwargs={"deadline": deadline}),
        name="daily_run_deadline",
    )


def deadline_alert(context: dict, deadline: str) -> dict:
    """The ``alert`` values for a missed deadline, from the context Airflow gives a deadline
    callback (``dag_run`` as the API returns it, and ``deadline``)."""
    run = context.get("dag_run") or {}
    conf = run.get("conf") or {}
    day = conf.get("snapshot_date")
    logical = run.get("logical_date")
    if not day and logical:
        from gospubliki.dates import MOSCOW

        day = (datetime.fromisoformat(str(logical)).astimezone(MOSCOW).date() - timedelta(days=1)).isoformat()
    state = run.get("state", "?")
    return {
        "kind": "deadline",
        "headline": f"daily run not finished by {deadline} Moscow time",
        "dag_id": run.get("dag_id", "?"),
        "task_id": None,
        "try_number": None,
        "tries": None,
        "network": "—",
        "snapshot_date": day or "—",
        "load_id": None,
        "problems_title": "Run",
        "problems": [f"run {run.get('run_id', '?')} is {state} (started {run.get('start_date') or '—'})"],
        "where": ["the run's Grid view in the Airflow UI (which task is running or queued)",
                  "gospubliki summary"],
        "log_url": None,
    }


async def deadline_missed(context: dict | None = None, deadline: str = "") -> list[str]:
    """The deadline callback (runs in the triggerer): sends the deadline alert for scheduled runs;
    manual runs and backfills of past days have no deadline to keep (logged, not sent)."""
    import asyncio

    from gospubliki.orchestration import notifiers

    context = dict(context or {})
    run_type = (context.get("dag_run") or {}).get("run_type")
    if run_type not in (None, "scheduled"):
        log.info("deadline of %s run passed; alerts only for scheduled runs", run_type)
        return []
    context["alert"] = deadline_alert(context, deadline)
    return await asyncio.to_thread(notifiers.send, context, SUBJECT, template("alert.j2"))
