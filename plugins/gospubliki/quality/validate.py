"""Validate one raw load with its network's checkpoint, record the result, publish or reject.

    validate_load(load_id)       run ``<source>_raw_load`` on the load -> audit.validations row
    check_and_publish(load_id)   validate; success -> loads.publish(); failure -> loads.reject()
                                 and ValidationFailed (fail closed: nothing downstream changes)

Expectation parameters of a run (see ``suites.py``) come from the warehouse: the load's snapshot
date and post window (``raw.loads.details['window_days']``, default 7), the number of registry
pages of the network, the minimum share of 'ok' pages (argument, else
``GOSPUBLIKI_MIN_OK_SHARE``, else 0.5), the plausibility thresholds (``settings.plausibility()``)
and, from the previous validated load of the network, the bounds of the members total.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from datetime import date

from gospubliki import crashpoints, dates, settings
from gospubliki.quality import context as gx_context
from gospubliki.quality import suites
from gospubliki.warehouse import db, loads

DEFAULT_WINDOW_DAYS = 7
DEFAULT_MIN_OK_SHARE = 0.5
EXAMPLES = 5  # unexpected values quoted per failed expectation
BOUNDS = ("value", "min_value", "max_value", "mostly")  # recorded with a failure, parameters resolved


@dataclass
class ValidationOutcome:
    """Result of validating one load (also the content of its ``audit.validations`` row)."""

    load_id: int
    source: str
    snapshot_date: date
    success: bool
    suite: str  # the checkpoint, '<source>_raw_load' (its suites are '<suite>.pages', '<suite>.posts')
    evaluated: int  # expectations evaluated
    failed: int
    failures: list[dict] = field(default_factory=list)  # {expectation, table, column, observed, description}
    parameters: dict = field(default_factory=dict)  # expectation parameters of the run
    validation_id: int | None = None  # audit.validations row
    seconds: float = 0.0
    data_docs: str | None = None  # index.html of the Data Docs site, when built

    def failure_lines(self) -> list[str]:
        """One readable line per failed expectation."""
        return [format_failure(f) for f in self.failures]

    def to_dict(self) -> dict:
        """JSON-safe summary (e.g. an Airflow task's return value / XCom)."""
        return _jsonable(
            {
                "load_id": self.load_id,
                "source": self.source,
                "snapshot_date": self.snapshot_date.isoformat(),
                "success": self.success,
                "suite": self.suite,
                "evaluated": self.evaluated,
                "failed": self.failed,
                "failures": self.failures,
                "validation_id": self.validation_id,
                "seconds": self.seconds,
                "data_docs": self.data_docs,
            }
        )


class ValidationFailed(Exception):
    """A load failed validation; it has been rejected. ``outcome`` holds the details."""

    def __init__(self, outcome: ValidationOutcome):
        self.outcome = outcome
        head = (
            f"load {outcome.load_id} ({outcome.source}, {outcome.snapshot_date}) failed validation "
            f"{outcome.suite}: {outcome.failed} of {outcome.evaluated} expectations"
        )
        super().__init__("\n".join([head, *("  - " + line for line in outcome.failure_lines())]))


def format_failure(failure: dict) -> str:
    """``<expectation> on <table>.<column>: <what was observed> (expected: <description>)``."""
    where = failure.get("table") or ""
    if failure.get("column"):
        where = f"{where}.{failure['column']}" if where else failure["column"]
    observed = failure.get("observed")
    if isinstance(observed, dict) and "unexpected" in observed:
        seen = f"{observed['unexpected']} of {observed['of']} rows unexpected"
        if observed.get("examples"):
            seen += ", e.g. " + json.dumps(observed["examples"], ensure_ascii=False, default=str)
    elif isinstance(observed, dict) and "error" in observed:
        seen = f"error: {observed['error']}"
    elif failure["expectation"] == "unexpected_rows_expectation":
        seen = f"{observed} unexpected rows"
    else:
        seen = "observed " + json.dumps(observed, ensure_ascii=False, default=str)
    text = f"{failure['expectation']} on {where}: {seen}"
    if failure.get("expected"):
        text += " vs " + ", ".join(f"{k} {v}" for k, v in failure["expected"].items())
    if failure.get("quarantine"):
        text += " [quarantined: " + ", ".join(f"{k} {v}" for k, v in failure["quarantine"].items()) + "]"
    if failure.get("description"):
        text += f" (expected: {failure['description']})"
    return text


def min_ok_share_setting() -> float:
    """``GOSPUBLIKI_MIN_OK_SHARE``: minimum share of a load's pages fetched 'ok' (default 0.5)."""
    return float(settings.env("GOSPUBLIKI_MIN_OK_SHARE", str(DEFAULT_MIN_OK_SHARE)))


def _load_facts(load_id: int, url: str | None) -> tuple[str, date, dict, int, int | None]:
    """The load's source, date, details, registry pages of its network, and the members total of
    the previous validated load over the pages both loads counted (None without such pages)."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select source, snapshot_date, details from raw.loads where load_id = %s", (load_id,))
        row = cur.fetchone()
        if row is None:
            raise ValueError(f"no load {load_id}")
        source, snapshot_date, details = row
        spec = suites.spec_for(source)
        cur.execute("select count(*) from registry.pages where network = %s", (spec.network,))
        registry_pages = cur.fetchone()[0]
        # the pages asset's own query, so the bounds and the checked sum cover the same pages
        cur.execute("select set_config(%s, %s, true)", (gx_context.LOAD_SETTING, str(int(load_id))))
        cur.execute(f"select sum(members_count_before) from ({gx_context.asset_query(spec, 'pages')}) q")
        total = cur.fetchone()[0]  # sum(bigint) is numeric: a Decimal
        members_before = None if total is None else int(total)
    return source, snapshot_date, details or {}, registry_pages, members_before


def expectation_parameters(
    snapshot_date: date,
    details: dict,
    registry_pages: int,
    min_ok_share: float,
    members_before: int | None = None,
    plausibility: settings.Plausibility | None = None,
) -> dict:
    """Values of the suites' ``$PARAMETER``s for one load."""
    limits = plausibility or settings.plausibility()
    window_days = int(details.get("window_days") or DEFAULT_WINDOW_DAYS)
    if window_days < 1:
        raise ValueError(f"window_days must be >= 1, got {window_days}")
    if not 0 <= min_ok_share <= 1:
        raise ValueError(f"min_ok_share must be within [0, 1], got {min_ok_share}")
    return {
        "registry_pages": int(registry_pages),
        "min_ok_share": float(min_ok_share),
        "snapshot_date": snapshot_date.isoformat(),
        "window_start": dates.window_start(snapshot_date, window_days).isoformat(),
        "window_end": dates.window_end(snapshot_date).isoformat(),
        "max_members": limits.max_members,
        "max_quarantine_share": limits.max_quarantine_share,
        "min_read_again_share": round(1 - limits.max_pages_read_drop, 9),
        "min_nonzero_views_share": round(1 - limits.max_zero_views_share, 9),
        "members_total_min": None if members_before is None else _bound(members_before, -limits.max_members_change),
        "members_total_max": None if members_before is None else _bound(members_before, limits.max_members_change),
    }


def _bound(total: int, change: float) -> int:
    """``total * (1 + change)`` rounded away from ``total`` (an integer bound for an integer sum)."""
    value = total * (1 + change)
    return math.floor(value) if change < 0 else math.ceil(value)


def _observed(result: dict) -> object:
    """The interesting part of a GX result, small enough for a log line and a jsonb cell."""
    if "observed_value" in result:  # table-level checks; for UnexpectedRowsExpectation, the row count
        return result["observed_value"]
    observed = {"unexpected": result.get("unexpected_count"), "of": result.get("element_count")}
    examples: list = []
    for value in result.get("partial_unexpected_list") or []:  # distinct values, first seen first
        if value not in examples:
            examples.append(value)
    if examples:
        observed["examples"] = examples[:EXAMPLES]
    return observed


def _failures(checkpoint_result, spec: suites.NetworkSpec) -> tuple[int, list[dict]]:
    evaluated, failures = 0, []
    tables = {spec.suite(part): spec.table(part) for part in suites.PARTS}
    for suite_result in checkpoint_result.run_results.values():
        table = tables.get(suite_result.suite_name, suite_result.suite_name)
        for r in suite_result.results:
            evaluated += 1
            if r.success:
                continue
            config = r.expectation_config
            kwargs = config.kwargs
            column = kwargs.get("column") or (
                ",".join(kwargs["column_list"]) if kwargs.get("column_list") else None
            )
            error = _exception_message(r.exception_info)
            failure = {
                "expectation": config.type,
                "table": table,
                "column": column,
                "observed": _observed(r.result or {}),
                "expected": {k: kwargs[k] for k in BOUNDS if kwargs.get(k) is not None},
                "description": config.description,
            }
            if error:
                failure["observed"] = {"error": error}
            failures.append(failure)
    return evaluated, failures


def _exception_message(info) -> str | None:
    """The first error message in a result's ``exception_info``: flat (``raised_exception``,
    ``exception_message``) or, when a metric could not be computed, keyed by metric id."""
    if not info:
        return None
    if isinstance(info, dict) and "raised_exception" in info:
        return str(info.get("exception_message"))[:500] if info.get("raised_exception") else None
    if isinstance(info, dict):
        for value in info.values():
            message = getattr(value, "exception_message", None) or _exception_message(
                value if isinstance(value, dict) else None
            )
            if message:
                return str(message).splitlines()[0][:500]
    return None


def _jsonable(value):
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def validate_load(
    load_id: int, url: str | None = None, *, min_ok_share: float | None = None
) -> ValidationOutcome:
    """Run the load's checkpoint, write an ``audit.validations`` row and return the outcome.

    Does not change the load's status (see :func:`check_and_publish`). Raises ``ValueError`` for
    an unknown load or a source without a suite, and lets GX errors (unreachable warehouse, missing
    file context) propagate: a load that could not be validated is not a valid load.
    """
    from great_expectations.core.run_identifier import RunIdentifier

    started = time.monotonic()
    source, snapshot_date, details, registry_pages, members_before = _load_facts(load_id, url)
    spec = suites.spec_for(source)
    share = min_ok_share_setting() if min_ok_share is None else min_ok_share
    params = expectation_parameters(snapshot_date, details, registry_pages, share, members_before)

    gx_context.require_context()
    with gx_context.locked():
        context = gx_context.open_context(url, load_id=load_id)
        run_started = time.time() - 1  # file mtimes may be coarser than the clock
        try:
            checkpoint = context.checkpoints.get(spec.checkpoint)
            result = checkpoint.run(
                expectation_parameters=params,
                run_id=RunIdentifier(run_name=f"{source}-{snapshot_date.isoformat()}-load-{load_id}"),
            )
            crashpoints.reached("validate")
        finally:
            _dispose_engines(context)
            gx_context.scrub_data_docs(run_started)
    evaluated, failures = _failures(result, spec)
    for failure in failures:  # the quarantine gate failed: say what was quarantined
        if failure["table"] == spec.table("load") and failure["column"] == "quarantine_share":
            failure["quarantine"] = (details.get("quarantine") or {}).get("by_reason") or {}
    secret = _password(url)
    for failure in failures:  # database errors quoted in a failure must not carry the password
        if secret and isinstance(failure["observed"], dict) and "error" in failure["observed"]:
            failure["observed"]["error"] = failure["observed"]["error"].replace(secret, "***")
    docs_index = gx_context.data_docs_dir() / "index.html"
    outcome = ValidationOutcome(
        load_id=load_id,
        source=source,
        snapshot_date=snapshot_date,
        success=bool(result.success) and not failures and evaluated > 0,  # nothing evaluated: not valid
        suite=spec.checkpoint,
        evaluated=evaluated,
        failed=len(failures),
        failures=_jsonable(failures),
        parameters=params,
        seconds=round(time.monotonic() - started, 3),
        data_docs=str(docs_index) if docs_index.exists() else None,
    )
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """insert into audit.validations (load_id, suite, success, evaluated, failed, failures)
               values (%s, %s, %s, %s, %s, %s) returning validation_id""",
            (
                load_id,
                outcome.suite,
                outcome.success,
                outcome.evaluated,
                outcome.failed,
                json.dumps(outcome.failures, ensure_ascii=False),
            ),
        )
        outcome.validation_id = cur.fetchone()[0]
    return outcome


def _password(url: str | None) -> str | None:
    from sqlalchemy.engine import make_url

    return make_url(url or settings.warehouse_url()).password or None


def _dispose_engines(context) -> None:
    """Close the pooled connections GX opened for this run (each run has its own engine)."""
    for datasource in context.data_sources.all().values():
        execution_engine = getattr(datasource, "_execution_engine", None)
        for engine in (getattr(datasource, "_engine", None), getattr(execution_engine, "engine", None)):
            if engine is not None:
                engine.dispose()


def check_and_publish(
    load_id: int, url: str | None = None, *, min_ok_share: float | None = None
) -> ValidationOutcome:
    """Validate a landed load and publish it, or reject it and raise :class:`ValidationFailed`.

    * success: ``loads.publish()`` (the older validated load of the date is superseded);
    * failed expectations: ``loads.reject()`` with the failed expectations as the reason, then
      ``ValidationFailed`` (not worth retrying: the load is 'failed' now);
    * a source without a suite: rejected too (``ValueError``), it can never be validated;
    * the validation could not run (warehouse unreachable, broken file context …): the error
      propagates and the load stays 'loaded' — invisible downstream, and a retry can validate it.

    Only a load in status 'loaded' can be checked (``ValueError`` otherwise, before validating).
    """
    info = loads.get(load_id, url)
    if not info:
        raise ValueError(f"no load {load_id}")
    if info["status"] != "loaded":
        raise ValueError(
            f"load {load_id} is {info['status']!r}; only a 'loaded' load can be validated and published"
        )
    try:
        suites.spec_for(info["source"])
    except ValueError as exc:
        loads.reject(load_id, str(exc), url)
        raise
    outcome = validate_load(load_id, url, min_ok_share=min_ok_share)
    if outcome.success:
        loads.publish(load_id, url)
        return outcome
    loads.reject(load_id, reject_reason(outcome), url)
    raise ValidationFailed(outcome)


def reject_reason(outcome: ValidationOutcome) -> str:
    """The reason stored in ``raw.loads.details.failure`` of a rejected load."""
    names = "; ".join(
        f"{f['expectation']} on {f['table']}{'.' + f['column'] if f.get('column') else ''}"
        for f in outcome.failures
    )
    return (
        f"validation {outcome.suite} failed ({outcome.failed} of {outcome.evaluated}, "
        f"audit.validations #{outcome.validation_id}): {names}"
    )
