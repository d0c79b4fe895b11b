"""Raw loads: one validated load per (source, snapshot date), replaced atomically.

Life of a load::

    land()      one transaction: audit row + COPY of every raw table through the row-level
                quarantine (implausible rows to raw.quarantine)  -> status 'loaded'
    validate    (Great Expectations, outside this module)
    publish()   one transaction: older validated load of the same (source, date) -> 'superseded'
                and its rows deleted; this load -> 'validated'
    reject()    this load -> 'failed'; its rows stay for inspection, staging never reads them

Staging models read only ``status = 'validated'`` loads, so a crash at any point leaves either
the old or the new load visible, never half of one, and a failed validation changes nothing
downstream.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from gospubliki.warehouse import db, quarantine


@dataclass
class RawBatch:
    """Rows for one raw table of a load. ``load_id`` is prepended to every row by ``land``."""

    table: str  # e.g. 'raw.vk_pages'
    columns: Sequence[str]  # without load_id
    rows: Iterable[Sequence]


@dataclass
class LoadResult:
    load_id: int
    source: str
    snapshot_date: date
    rows: dict[str, int] = field(default_factory=dict)  # rows published, by raw table
    load_seconds: float = 0.0
    quarantine: dict = field(default_factory=dict)  # details.quarantine (see warehouse/quarantine.py)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def land(
    source: str,
    snapshot_date: date,
    batches: Sequence[RawBatch],
    *,
    requests: int | None = None,
    extract_seconds: float | None = None,
    details: dict | None = None,
    url: str | None = None,
) -> LoadResult:
    """Write a new load in one transaction (audit row + COPY). Status becomes 'loaded'.

    Every batch passes the row-level quarantine (``warehouse/quarantine.py``): implausible rows go
    to ``raw.quarantine`` with their reason instead of the raw table, counted in
    ``details.quarantine``."""
    db.apply_schema(url)
    started = time.monotonic()
    result = LoadResult(load_id=0, source=source, snapshot_date=snapshot_date)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """insert into raw.loads (source, snapshot_date, status, requests, extract_seconds, details)
               values (%s, %s, 'loading', %s, %s, %s) returning load_id""",
            (source, snapshot_date, requests, extract_seconds, json.dumps(details or {}, ensure_ascii=False)),
        )
        load_id = cur.fetchone()[0]
        result.load_id = load_id
        kept = [
            quarantine.land_batch(cur, load_id, source, snapshot_date, b.table, b.columns, b.rows)
            for b in batches
        ]
        result.rows = {o.table: o.published for o in kept}
        result.quarantine = quarantine.summary(kept)
        result.load_seconds = time.monotonic() - started
        cur.execute(
            """update raw.loads set status = 'loaded', rows = %s, loaded_at = now(), load_seconds = %s,
                      details = details || jsonb_build_object('rows_by_table', %s::jsonb, 'quarantine', %s::jsonb)
               where load_id = %s""",
            (
                result.total_rows,
                round(result.load_seconds, 3),
                json.dumps(result.rows),
                json.dumps(result.quarantine),
                load_id,
            ),
        )
    return result


def publish(load_id: int, url: str | None = None) -> int | None:
    """Make a landed load the visible one for its (source, date). Returns the superseded load id."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select source, snapshot_date, status from raw.loads where load_id = %s for update", (load_id,))
        row = cur.fetchone()
        if row is None:
            raise ValueError(f"no load {load_id}")
        source, snapshot_date, status = row
        if status != "loaded":
            raise ValueError(f"load {load_id} is {status!r}; only a 'loaded' load can be published")
        # serialise publishers of the same (source, date)
        cur.execute("select pg_advisory_xact_lock(hashtext(%s || %s::text))", (source, snapshot_date))
        cur.execute(
            """select load_id from raw.loads
               where source = %s and snapshot_date = %s and status = 'validated' for update""",
            (source, snapshot_date),
        )
        old = cur.fetchone()
        old_id = old[0] if old else None
        if old_id is not None:
            for table in raw_tables_of(cur, source):
                cur.execute(f"delete from {table} where load_id = %s", (old_id,))
            cur.execute(
                "update raw.loads set status = 'superseded', details = details || %s where load_id = %s",
                (json.dumps({"superseded_by": load_id}), old_id),
            )
        cur.execute(
            "update raw.loads set status = 'validated', finished_at = now() where load_id = %s", (load_id,)
        )
        return old_id


def reject(load_id: int, reason: str, url: str | None = None) -> None:
    """Mark a landed load as failed (validation or a later step); it stays invisible downstream."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """update raw.loads set status = 'failed', finished_at = now(),
                      details = details || jsonb_build_object('failure', %s::text)
               where load_id = %s and status in ('loading', 'loaded')""",
            (reason, load_id),
        )


def raw_tables_of(cur, source: str) -> list[str]:
    """Raw tables of a source are named raw.<source>_* and have a load_id column; found in the
    catalog, not hard-coded (state tables such as raw.tg_channel_cache carry no load_id)."""
    cur.execute(
        """select table_schema || '.' || table_name from information_schema.columns
           where table_schema = 'raw' and table_name like %s and column_name = 'load_id'
           order by table_name""",
        (source.replace("_", r"\_") + r"\_%",),
    )
    return [r[0] for r in cur.fetchall()]


def get(load_id: int, url: str | None = None) -> dict:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """select load_id, source, snapshot_date, status, rows, requests, details
               from raw.loads where load_id = %s""",
            (load_id,),
        )
        r = cur.fetchone()
    keys = ["load_id", "source", "snapshot_date", "status", "rows", "requests", "details"]
    return dict(zip(keys, r, strict=True)) if r else {}
