"""Raw rows out of the warehouse after their retention (issue #10: the warehouse's growth a day).

The marts are the record of history: a daily build reads only the raw rows of the loads it
processes. So once a month of snapshot dates ended more than ``GOSPUBLIKI_RAW_RETENTION_DAYS``
(92) days before the newest validated snapshot date (not the clock: a warehouse that stopped
loading keeps its raw rows, and a test or demo world of fixed dates does not start archiving as
the calendar moves on) and every validated load of it is in the marts, :func:`archive_raw` writes each raw
network table's partition of that month (migration 0300) to a gzip'd CSV file under
``GOSPUBLIKI_ARCHIVE_DIR`` (``<table>/<YYYY-MM>.csv.gz``), records it in ``audit.raw_archives``
(rows, bytes, SHA-256) and drops the partition — one transaction per partition, the file written
under a temporary name, flushed to disk and renamed before the record commits: a crash leaves the
partition (and at most a file the next run writes again), never neither.

What needs the rows back, and is stopped until they are (:func:`restore_raw`, ``gospubliki
warehouse restore-raw``):

* a load of a snapshot date in an archived month or in the month after one (:func:`refuse_archived`,
  called by ``loads.land``): ``fct_post`` re-reads the posts of the weeks a new load touches, up
  to three weeks back, and would rebuild them without the archived days;
* a dbt full refresh of a model that reads the raw tables (macro
  ``refuse_full_refresh_with_archived_raw``): it would rebuild the marts without those months.

Why hand-written: PostgreSQL has no archive of partitions outside the database (``pg_dump`` of a
table is the nearest; it needs client tools of the server's major version on the worker and gives
no per-month record to check a restore against); COPY through psycopg is the documented way to
stream rows out and back without holding them in memory. gzip level 6 (gzip's own default; Python's,
9, is slower for files only a little smaller).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from gospubliki import crashpoints
from gospubliki.errors import BadValue, UserError
from gospubliki.warehouse import db

log = logging.getLogger(__name__)

RAW_RETENTION_DAYS_VAR = "GOSPUBLIKI_RAW_RETENTION_DAYS"
DEFAULT_RAW_RETENTION_DAYS = 92
ARCHIVE_DIR_VAR = "GOSPUBLIKI_ARCHIVE_DIR"
_PARTITION = re.compile(r"^(?P<parent>[a-z]+_[a-z]+)_p(?P<year>\d{4})(?P<month>\d\d)$")
_CHUNK = 1 << 20


class ArchivedRawError(UserError):
    """The rows a command needs are archived out of the warehouse (the message says how to restore them)."""


@dataclass(frozen=True)
class Archived:
    table: str  # raw.vk_pages
    month: date
    file: str  # relative to the archive directory
    rows: int
    bytes: int


@dataclass(frozen=True)
class Skipped:
    month: date
    reason: str


def raw_retention_days() -> int:
    """``GOSPUBLIKI_RAW_RETENTION_DAYS`` (default 92: a quarter; more than the payload retention
    and than any re-run of a date the operations guide foresees)."""
    from gospubliki import settings

    days = int(settings.env(RAW_RETENTION_DAYS_VAR, str(DEFAULT_RAW_RETENTION_DAYS)))
    if days < 35:
        # below the payload retention and a month: a re-run of last month's dates would be refused
        raise UserError(f"{RAW_RETENTION_DAYS_VAR}={days}: at least 35 days, so that last month can be re-run")
    return days


def archive_dir() -> Path:
    """``GOSPUBLIKI_ARCHIVE_DIR`` (default ``$GOSPUBLIKI_HOME/archive``): where archived raw months live.
    In production a volume of its own, backed up with the database (docs/operations.md)."""
    from gospubliki import settings

    return Path(settings.env(ARCHIVE_DIR_VAR, str(settings.home() / "archive"))).resolve()


def parse_month(text: str) -> date:
    m = re.fullmatch(r"(\d{4})-(\d\d)", text)
    if not m or not 1 <= int(m[2]) <= 12:
        raise BadValue(f"not a month (expected YYYY-MM): {text!r}")
    return date(int(m[1]), int(m[2]), 1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_partitions(cur) -> dict[date, list[tuple[str, str]]]:
    """{month: [(parent, partition)]} of the month partitions of raw's partitioned tables (the
    network tables, migration 0300), found in the catalog as migration 0800 and the dbt macro
    refuse_full_refresh_with_archived_raw find them."""
    cur.execute(
        """select child.relname from pg_inherits as inh
           join pg_class as child on child.oid = inh.inhrelid
           join pg_class as parent on parent.oid = inh.inhparent
           where parent.relnamespace = 'raw'::regnamespace and parent.relkind = 'p'
           order by 1"""
    )
    months: dict[date, list[tuple[str, str]]] = {}
    for (name,) in cur.fetchall():
        m = _PARTITION.match(name)
        if m:
            month = date(int(m["year"]), int(m["month"]), 1)
            months.setdefault(month, []).append((m["parent"], name))
    return months


def _blocker(cur, month: date) -> str | None:
    """Why the month's raw rows must stay, or None."""
    end = _next_month(month)
    cur.execute(
        """select count(*) from raw.loads
           where snapshot_date >= %s and snapshot_date < %s and status not in ('validated', 'failed', 'superseded')""",
        (month, end),
    )
    (unfinished,) = cur.fetchone()
    if unfinished:
        return f"{unfinished} load(s) of the month not finished (landed, not validated or failed)"
    cur.execute("select to_regclass('marts.fct_page_daily') is not null")
    if not cur.fetchone()[0]:
        return "no marts built yet (marts.fct_page_daily)"
    # every validated load in the marts: fct_page_daily's index on load_id, one probe per load
    cur.execute(
        """select count(*) from raw.loads
           where snapshot_date >= %s and snapshot_date < %s and status = 'validated'
             and not exists (select 1 from marts.fct_page_daily as f where f.load_id = raw.loads.load_id)""",
        (month, end),
    )
    (unbuilt,) = cur.fetchone()
    if unbuilt:
        return f"{unbuilt} validated load(s) of the month not in the marts yet (dbt build)"
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def archive_raw(
    older_than_days: int | None = None, *, today: date | None = None, url: str | None = None,
    directory: Path | None = None,
) -> tuple[list[Archived], list[Skipped]]:
    """Archive and drop the raw month partitions of months that ended more than the retention ago
    (see the module's docstring), counted back from ``today`` (default: the newest validated
    snapshot date). Returns what was archived and the months kept with their reason."""
    days = raw_retention_days() if older_than_days is None else older_than_days
    root = directory or archive_dir()
    db.apply_schema(url)
    archived: list[Archived] = []
    skipped: list[Skipped] = []
    with db.connect(url) as conn, conn.cursor() as cur:
        if today is None:
            cur.execute("select max(snapshot_date) from raw.loads where status = 'validated'")
            today = cur.fetchone()[0]
            if today is None:
                return archived, skipped
        months = _month_partitions(cur)
    cutoff = today - timedelta(days=days)
    for month in sorted(months):
        if _next_month(month) > cutoff:
            continue
        with db.connect_streaming(url) as conn, conn.cursor() as cur:
            # one archiver at a time (a second run waits, then finds the partitions gone)
            cur.execute("select pg_advisory_xact_lock(hashtext('gospubliki.archive_raw'))")
            reason = _blocker(cur, month)
        if reason:
            log.warning("raw rows of %s kept: %s", month.strftime("%Y-%m"), reason)
            skipped.append(Skipped(month, reason))
            continue
        for parent, partition in months[month]:
            done = _archive_partition(url, root, parent, partition, month)
            if isinstance(done, Skipped):
                log.warning("raw.%s %s kept: %s", parent, f"{month:%Y-%m}", done.reason)
                skipped.append(done)
            elif done:
                archived.append(done)
    return archived, skipped


def _archive_partition(
    url: str | None, root: Path, parent: str, partition: str, month: date
) -> Archived | Skipped | None:
    relative = f"raw.{parent}/{month:%Y-%m}.csv.gz"
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with db.connect_streaming(url) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('gospubliki.archive_raw'))")
        if cur.execute("select to_regclass(%s)", (f"raw.{partition}",)).fetchone()[0] is None:
            return None  # archived by a run that held the lock before us
        if cur.execute("select 1 from audit.raw_archives where table_name = %s and month = %s",
                       (f"raw.{parent}", month)).fetchone():
            # rows written into an archived month by something that bypassed loads.land (a history
            # generated over it): archiving them would overwrite the file that holds the others
            return Skipped(month, f"raw.{parent}: archived before, and its partition holds rows again; "
                                  f"restore the archive first (gospubliki warehouse restore-raw --month {month:%Y-%m})")
        # no writes into the month while it is copied out (readers go on)
        cur.execute(f'lock table raw."{partition}" in share mode')
        (rows,) = cur.execute(f'select count(*) from raw."{partition}"').fetchone()
        with open(tmp, "wb") as raw_file:
            with gzip.GzipFile(fileobj=raw_file, mode="wb", compresslevel=6, mtime=0) as gz, \
                    cur.copy(f'copy raw."{partition}" to stdout (format csv, header)') as copy:
                for chunk in copy:
                    gz.write(chunk)
            raw_file.flush()
            os.fsync(raw_file.fileno())
        sha256 = _sha256(tmp)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        crashpoints.reached("archive")  # the file is on disk, the partition not yet dropped
        size = path.stat().st_size
        cur.execute(
            """insert into audit.raw_archives (table_name, month, file, rows, bytes, sha256)
               values (%s, %s, %s, %s, %s, %s)""",
            (f"raw.{parent}", month, relative, rows, size, sha256),
        )
        cur.execute(f'drop table raw."{partition}"')
    log.info("raw.%s %s archived: %s rows, %.1f MB in %s", parent, f"{month:%Y-%m}", rows, size / 1e6, path)
    return Archived(f"raw.{parent}", month, relative, rows, size)


@dataclass(frozen=True)
class Restored:
    table: str
    month: date
    rows: int


def archived_months(url: str | None = None) -> list[date]:
    db.apply_schema(url)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select distinct month from audit.raw_archives order by 1")
        return [m for (m,) in cur.fetchall()]


def restore_raw(months: list[date] | None = None, *, url: str | None = None,
                directory: Path | None = None) -> list[Restored]:
    """Bring archived raw months back into the warehouse (all, or those ``months``): each file's
    SHA-256 checked, its rows copied into the month's partition and counted against the record,
    then the record deleted — one transaction per file; the file is removed once that commits."""
    root = directory or archive_dir()
    db.apply_schema(url)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            """select table_name, month, file, rows, sha256 from audit.raw_archives
               where %s::date[] is null or month = any(%s::date[]) order by month, table_name""",
            (months, months),
        )
        records = cur.fetchall()
    if months:
        missing = sorted(set(months) - {r[1] for r in records})
        if missing:
            raise ArchivedRawError("no archive of " + ", ".join(f"{m:%Y-%m}" for m in missing)
                                   + " (gospubliki warehouse archive-raw --list shows what is archived)")
    # every file checked before any is restored: a damaged or missing one changes nothing
    for table, month, relative, _rows, sha256 in records:
        path = root / relative
        if not path.is_file():
            raise ArchivedRawError(f"archive file {path} of {table} {month:%Y-%m} is missing "
                                   f"({ARCHIVE_DIR_VAR}={root}): nothing restored")
        if _sha256(path) != sha256:
            raise ArchivedRawError(f"archive file {path} does not match its record (SHA-256 differs): nothing restored")
    restored: list[Restored] = []
    for table, month, relative, rows, _digest in records:
        path = root / relative
        parent = table.removeprefix("raw.")
        partition = f"{parent}_p{month:%Y%m}"
        with db.connect_streaming(url) as conn, conn.cursor() as cur:
            cur.execute("select pg_advisory_xact_lock(hashtext('gospubliki.archive_raw'))")
            cur.execute("select raw.ensure_month_partitions(%s, %s::text[])", (month, [parent]))
            (before,) = cur.execute(f'select count(*) from raw."{partition}"').fetchone()
            with gzip.open(path, "rb") as gz, cur.copy(f'copy raw."{partition}" from stdin (format csv, header)') as copy:
                while block := gz.read(_CHUNK):
                    copy.write(block)
            (after,) = cur.execute(f'select count(*) from raw."{partition}"').fetchone()
            if (count := after - before) != rows:
                raise ArchivedRawError(f"{path}: {count} rows restored, the record says {rows}: rolled back")
            cur.execute("delete from audit.raw_archives where table_name = %s and month = %s", (table, month))
        path.unlink()
        log.info("%s %s restored: %s rows", table, f"{month:%Y-%m}", rows)
        restored.append(Restored(table, month, rows))
    return restored


def refuse_archived(cur, snapshot_date: date) -> None:
    """Raise :class:`ArchivedRawError` when a load of ``snapshot_date`` would be built next to
    archived raw rows: its month or the month before is archived (fct_post re-reads up to three
    weeks of posts around a new load)."""
    this_month = snapshot_date.replace(day=1)
    previous = (this_month - timedelta(days=1)).replace(day=1)
    cur.execute("select to_regclass('audit.raw_archives') is not null")
    if not cur.fetchone()[0]:
        return
    cur.execute("select distinct month from audit.raw_archives where month = any(%s::date[]) order by 1",
                ([previous, this_month],))
    hit = [m for (m,) in cur.fetchall()]
    if hit:
        months = " ".join(f"--month {m:%Y-%m}" for m in hit)
        raise ArchivedRawError(
            f"snapshot date {snapshot_date}: the raw rows of {', '.join(f'{m:%Y-%m}' for m in hit)} are archived "
            f"out of the warehouse; restore them first: gospubliki warehouse restore-raw {months}"
        )
