"""What every network's extraction does the same way: summarise skipped pages and land the load.

A partial extraction (every credential stopped mid-run) is landed first — nothing read is lost —
and then reported by raising :class:`NoCredentialsLeft`, so the run fails visibly.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

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
    """``loads.land`` the extraction (status 'loaded'); then raise if it was cut short."""
    load = loads.land(
        source,
        snapshot_date,
        batches,
        requests=requests,
        extract_seconds=round(extract_seconds, 3),
        details=details,
        url=url,
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
        raise NoCredentialsLeft(f"{source} load {load.load_id} for {snapshot_date} is partial: {no_credentials}")
    return load
