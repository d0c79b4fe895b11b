"""What every network's extraction does the same way: clear what a dead run left, summarise
skipped pages and land the load.

* :func:`begin_extraction` runs first: loads of the network left 'loaded' by a run that died are
  failed with the reason (``loads.fail_stale``) and the rows of long-failed loads pruned
  (``loads.prune``), so every load ends 'validated' or 'failed' (docs/operations.md).
* A partial extraction (every credential stopped mid-run) is landed — nothing read is lost — then
  marked 'failed' with the reason (policy: a partial load is never published, since it would
  replace a complete load of the date and count unread pages as missing; its rows stay for
  inspection until the retention rule prunes them) and reported by raising
  :class:`NoCredentialsLeft`, so the run fails visibly. A re-run with working credentials
  replaces it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta

from gospubliki.clients.errors import NoCredentialsLeft
from gospubliki.warehouse import loads
from gospubliki.warehouse.loads import LoadResult, RawBatch

log = logging.getLogger(__name__)


def skipped_summary(skipped: Iterable) -> dict[str, dict[str, int]]:
    """Counts of skipped pages by ``status`` and by ``kind`` (the reason's class), for load details."""
    skipped = list(skipped)
    return {
        "by_status": dict(Counter(s.status for s in skipped)),
        "by_reason": dict(Counter(s.kind for s in skipped)),
    }


def begin_extraction(source: str, snapshot_date: date, url: str | None = None) -> list[loads.StaleLoad]:
    """At the start of a network's run: fail its abandoned loads (of this date, or older than
    ``GOSPUBLIKI_STALE_LOAD_HOURS``) and apply the retention rule to its failed loads."""
    stale = loads.fail_stale(source, snapshot_date=snapshot_date, url=url)
    loads.prune(source, url=url)
    return stale


def land_extraction(
    source: str,
    snapshot_date: date,
    batches: Sequence[RawBatch],
    *,
    requests: int,
    details: dict,
    extract_seconds: float,
    no_credentials: object | None = None,
    url: str | None = None,
) -> LoadResult:
    """``loads.land`` the extraction (status 'loaded'; ``observed_at`` = when the extraction
    began reading the API); if it was cut short, mark it 'failed' and raise :class:`NoCredentialsLeft`."""
    load = loads.land(
        source,
        snapshot_date,
        batches,
        requests=requests,
        extract_seconds=round(extract_seconds, 3),
        details=details,
        url=url,
        observed_at=datetime.now(UTC) - timedelta(seconds=extract_seconds),
    )
    log.info("%s load %d landed for %s: %s", source, load.load_id, snapshot_date, load.rows)
    if load.quarantine.get("rows"):
        log.warning(
            "%s load %d: %d rows quarantined (raw.quarantine), by reason %s",
            source,
            load.load_id,
            load.quarantine["rows"],
            load.quarantine["by_reason"],
        )
    if no_credentials is not None:
        reason = f"partial: every credential stopped, {load.total_rows} rows read were landed: {no_credentials}"
        loads.reject(load.load_id, reason, url)
        raise NoCredentialsLeft(f"{source} load {load.load_id} for {snapshot_date} failed, {reason}")
    return load
