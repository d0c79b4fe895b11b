"""Raw loads: one validated load per (source, snapshot date), replaced atomically.

Life of a load::

    land()      one transaction: audit row + COPY of every raw table through the row-level
                quarantine (implausible rows to raw.quarantine)  -> status 'loaded'
    validate    (Great Expectations, outside this module)
    publish()   one transaction: older validated load of the same (source, date) -> 'superseded'
                and its rows deleted; this load -> 'validated'
    reject()    this load -> 'failed'; its rows stay for inspection, staging never reads them
    fail_stale() at the start of a network's run: its loads left 'loaded' by a run that died
                (same date, or older than GOSPUBLIKI_STALE_LOAD_HOURS) -> 'failed' with the reason
    prune()     retention: raw rows of loads failed more than GOSPUBLIKI_FAILED_LOAD_RETENTION_DAYS
                ago are deleted; the raw.loads row (the audit record) stays

Staging models read only ``status = 'validated'`` loads, so a crash at any point leaves either
the old or the new load visible, never half of one, and a failed validation changes nothing
downstream.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from gospubliki import crashpoints
from gospubliki.warehouse import archive, db, quarantine

log = logging.getLogger(__name__)


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
    observed_at: datetime | None = None,
) -> LoadResult:
    """Write a new load in one transaction (audit row + COPY). Status becomes 'loaded'.

    ``observed_at``: when the data was read from the API (default: now). Every batch passes the
    row-level quarantine (``warehouse/quarantine.py``): implausible rows go to ``raw.quarantine``
    with their reason instead of the raw table, counted in ``details.quarantine``."""
    db.apply_schema(url)
    started = time.monotonic()
    result = LoadResult(load_id=0, source=source, snapshot_date=snapshot_date)
    with db.connect_streaming(url) as conn, conn.cursor() as cur:  # psycopg 3: COPY streams the rows
        archive.refuse_archived(cur, snapshot_date)  # a date next to archived raw rows: restore them first
        cur.execute(
            """insert into raw.loads (source, snapshot_date, status, requests, extract_seconds, details, observed_at)
               values (%s, %s, 'loading', %s, %s, %s, coalesce(%s, now())) returning load_id""",
            (source, snapshot_date, requests, extract_seconds, json.dumps(details or {}, ensure_ascii=False),
             observed_at),
        )
        load_id = cur.fetchone()[0]
        result.load_id = load_id
        ensure_partitions(cur, snapshot_date, [b.table for b in batches])
        kept = []
        for n, b in enumerate(batches):
            kept.append(quarantine.land_batch(cur, load_id, source, snapshot_date, b.table, b.columns, b.rows))
            if n == 0:
                crashpoints.reached("copy")
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
        return publish_in(cur, load_id)


def publish_in(cur, load_id: int) -> int | None:
    """:func:`publish` inside the caller's transaction (the history generator registers its loads
    in the transaction that inserts their rows)."""
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


def ensure_partitions(cur, day: date, tables: Sequence[str]) -> None:
    """The month partitions of ``day`` for those raw tables (migration 0300: the network tables are
    partitioned by month of snapshot_date)."""
    cur.execute(
        """select coalesce(array_agg(c.relname), '{}') from pg_class c
           where c.relnamespace = 'raw'::regnamespace and c.relkind = 'p' and 'raw.' || c.relname = any(%s::text[])""",
        (list(tables),),
    )
    parents = cur.fetchone()[0]
    if parents:
        cur.execute("select raw.ensure_month_partitions(%s, %s::text[])", (day, parents))


#: SQL: the table named ``table_name`` of schema raw is not a partition of another
NOT_A_PARTITION = """not exists (select 1 from pg_class pc where pc.relnamespace = 'raw'::regnamespace
                                 and pc.relname = table_name and pc.relispartition)"""


def raw_tables_of(cur, source: str) -> list[str]:
    """Raw tables of a source are named raw.<source>_* and have a load_id column; found in the
    catalog, not hard-coded (state tables such as raw.tg_channel_cache carry no load_id). The
    rows a load quarantined (raw.quarantine) belong to the load too: they go with its rows when
    it is superseded or pruned."""
    cur.execute(
        f"""select table_schema || '.' || table_name from information_schema.columns
           where table_schema = 'raw' and (table_name like %s or table_name = 'quarantine')
             and column_name = 'load_id' and {NOT_A_PARTITION}
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


# ---------------------------------------------------------------- lifecycle: no load left unfinished
# Every load ends 'validated', 'superseded' or 'failed'. A process that dies between ``land`` and
# ``publish``/``reject`` (kill -9, a crashed Great Expectations run, a warehouse that went away)
# leaves its load 'loaded'; the next run of the same network fails it here, with the reason, and
# the rows of failed loads are deleted after the retention period (the audit row stays).
# A load is never seen 'loading' by anyone: ``land`` inserts it in the COPY's transaction, so a
# transaction that dies takes the row with it.

STALE_AFTER_HOURS_VAR = "GOSPUBLIKI_STALE_LOAD_HOURS"
DEFAULT_STALE_AFTER_HOURS = 6.0
RETENTION_DAYS_VAR = "GOSPUBLIKI_FAILED_LOAD_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 14.0


def stale_after() -> timedelta:
    """``GOSPUBLIKI_STALE_LOAD_HOURS`` (default 6): a 'loading'/'loaded' load older than this is
    abandoned (the daily DAG validates a load minutes after landing it, retries included)."""
    from gospubliki import settings

    return timedelta(hours=float(settings.env(STALE_AFTER_HOURS_VAR, str(DEFAULT_STALE_AFTER_HOURS))))


def retention() -> timedelta:
    """``GOSPUBLIKI_FAILED_LOAD_RETENTION_DAYS`` (default 14): how long the raw rows of a failed
    load are kept for inspection before :func:`prune` deletes them."""
    from gospubliki import settings

    return timedelta(days=float(settings.env(RETENTION_DAYS_VAR, str(DEFAULT_RETENTION_DAYS))))


@dataclass
class StaleLoad:
    load_id: int
    source: str
    snapshot_date: date
    status: str  # what it was: 'loading' | 'loaded'
    reason: str


def fail_stale(
    source: str | None = None,
    *,
    snapshot_date: date | None = None,
    older_than: timedelta | None = None,
    url: str | None = None,
) -> list[StaleLoad]:
    """Mark abandoned loads 'failed', with the reason in ``details.failure``; returns them.

    A load is abandoned when it is still 'loading'/'loaded' and either

    * it is older than ``older_than`` (default :func:`stale_after`), counted from when it was
      landed (``loaded_at``, else ``started_at``); or
    * it is of ``snapshot_date`` (given when a new run of that network and date starts): the new
      run replaces it, so the older run died or was abandoned. A validation still running on it
      at that moment then finds it 'failed' and cannot publish it (``publish`` refuses).

    ``source=None``: every network (the maintenance command).
    """
    older_than = stale_after() if older_than is None else older_than
    db.apply_schema(url)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """with abandoned as (
                   select load_id, status,
                          case when snapshot_date = %(day)s
                               then format('abandoned: still %%s when a new run of %%s for %%s started '
                                           '(its run died or was abandoned)', status, source, snapshot_date)
                               else format('stale: still %%s %%s after it was landed (limit %%s); '
                                           'its run died or was abandoned',
                                           status, date_trunc('second', now() - coalesce(loaded_at, started_at)),
                                           %(limit)s::interval)
                          end as reason
                   from raw.loads
                   where status in ('loading', 'loaded')
                     and (%(source)s::text is null or source = %(source)s)
                     and (snapshot_date = %(day)s or coalesce(loaded_at, started_at) < now() - %(limit)s::interval)
                   for update
               )
               update raw.loads l
                  set status = 'failed', finished_at = now(),
                      details = l.details || jsonb_build_object('failure', a.reason, 'failed_by', 'fail_stale')
               from abandoned a
               where l.load_id = a.load_id
               returning l.load_id, l.source, l.snapshot_date, a.status, a.reason""",
            {"source": source, "day": snapshot_date, "limit": older_than},
        )
        failed = [StaleLoad(*row) for row in cur.fetchall()]
    for stale in failed:
        log.warning("load %d (%s, %s) failed: %s", stale.load_id, stale.source, stale.snapshot_date, stale.reason)
    return sorted(failed, key=lambda s: s.load_id)


@dataclass
class PrunedLoad:
    load_id: int
    source: str
    status: str
    rows: dict[str, int]  # raw table -> rows deleted


def prune(
    source: str | None = None, *, older_than: timedelta | None = None, url: str | None = None
) -> list[PrunedLoad]:
    """Retention rule: delete the raw rows of 'failed' loads finished more than ``older_than``
    (default :func:`retention`) ago ('superseded' loads lose theirs in ``publish``). The
    ``raw.loads`` row and its details stay as the audit record, with
    ``details.pruned = {at, rows_by_table}``. Returns what was deleted.
    """
    older_than = retention() if older_than is None else older_than
    db.apply_schema(url)
    pruned: list[PrunedLoad] = []
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """select load_id, source, status from raw.loads
               where status = 'failed' and not details ? 'pruned'
                 and (%(source)s::text is null or source = %(source)s)
                 and coalesce(finished_at, loaded_at, started_at) < now() - %(limit)s::interval
               order by load_id for update""",
            {"source": source, "limit": older_than},
        )
        for load_id, load_source, status in cur.fetchall():
            deleted = {}
            for table in raw_tables_of(cur, load_source):
                cur.execute(f"delete from {table} where load_id = %s", (load_id,))
                deleted[table] = cur.rowcount
            cur.execute(
                """update raw.loads set details = details || jsonb_build_object(
                          'pruned', jsonb_build_object('at', now(), 'rows_by_table', %s::jsonb))
                   where load_id = %s""",
                (json.dumps(deleted), load_id),
            )
            pruned.append(PrunedLoad(load_id, load_source, status, deleted))
    if pruned:
        log.info("pruned the raw rows of %d loads: %s", len(pruned), [p.load_id for p in pruned])
    return pruned


# ---------------------------------------------------------------- storage: API payloads are kept for a while
# The raw tables keep every column of every load; the ``payload`` column (the API's answer as
# received, jsonb) is what makes a raw day large (docs/benchmarks.md) and is only needed to look
# into recent answers. It is set to NULL in loads of snapshot dates older than
# ``GOSPUBLIKI_PAYLOAD_RETENTION_DAYS``; the rows and their columns stay.
PAYLOAD_RETENTION_DAYS_VAR = "GOSPUBLIKI_PAYLOAD_RETENTION_DAYS"
DEFAULT_PAYLOAD_RETENTION_DAYS = 35


def payload_retention_days() -> int:
    """``GOSPUBLIKI_PAYLOAD_RETENTION_DAYS`` (default 35: five weeks, more than the weekly reports
    look back): API payloads of older snapshot dates are dropped by :func:`drop_payloads`."""
    from gospubliki import settings

    return int(settings.env(PAYLOAD_RETENTION_DAYS_VAR, str(DEFAULT_PAYLOAD_RETENTION_DAYS)))


def drop_payloads(older_than_days: int | None = None, *, today: date | None = None, url: str | None = None) -> dict[str, int]:
    """Set ``payload`` to NULL in every raw table for snapshot dates before ``today`` − the
    retention; the loads concerned get ``details.payload_dropped_at``. Returns rows changed by table."""
    days = payload_retention_days() if older_than_days is None else older_than_days
    db.apply_schema(url)
    dropped: dict[str, int] = {}
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select coalesce(%s::date, current_date) - %s", (today, days))
        (cutoff,) = cur.fetchone()
        cur.execute(
            f"""select table_schema || '.' || table_name from information_schema.columns
               where table_schema = 'raw' and column_name = 'payload' and {NOT_A_PARTITION}
                 and table_name in (select table_name from information_schema.columns
                                    where table_schema = 'raw' and column_name = 'snapshot_date')
               order by 1"""
        )
        for (table,) in cur.fetchall():
            cur.execute(f"update {table} set payload = null where snapshot_date < %s and payload is not null", (cutoff,))
            dropped[table] = cur.rowcount
        cur.execute(
            """update raw.loads set details = details || jsonb_build_object('payload_dropped_at', now())
               where snapshot_date < %s and not details ? 'payload_dropped_at'
                 and status in ('validated', 'failed')""",
            (cutoff,),
        )
    if any(dropped.values()):
        log.info("API payloads of snapshot dates before %s dropped: %s", cutoff, dropped)
    return dropped


def apply_retention(url: str | None = None) -> dict:
    """The daily retention task: raw rows of long-failed loads deleted (:func:`prune`), API
    payloads past their retention dropped (:func:`drop_payloads`), raw months past theirs archived
    out of the warehouse (:func:`gospubliki.warehouse.archive.archive_raw`)."""
    pruned = prune(url=url)
    payloads = drop_payloads(url=url)
    archived, kept = archive.archive_raw(url=url)
    return {
        "pruned_loads": [p.load_id for p in pruned],
        "payloads_dropped": payloads,
        "raw_archived": [f"{a.table} {a.month:%Y-%m}: {a.rows} rows, {a.file}" for a in archived],
        "raw_months_kept": [f"{k.month:%Y-%m}: {k.reason}" for k in kept],
    }
