"""Connections to the warehouse and the few generic helpers every module uses (schema, COPY)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions

from gospubliki import settings


@contextmanager
def connect(url: str | None = None) -> Iterator[psycopg2.extensions.connection]:
    """A connection that commits on success and rolls back on error."""
    conn = psycopg2.connect(url or settings.warehouse_url(), application_name="gospubliki")
    try:
        with conn:
            yield conn
    finally:
        conn.close()


@contextmanager
def connect_streaming(url: str | None = None):
    """A psycopg 3 connection (commits on success, rolls back on error) for the raw loads: its
    ``COPY`` takes rows one by one (:func:`copy_rows`) and formats them in C, so a load is never
    built as one big CSV text in Python first (field-notes «Loading at COPY speed»); JSON
    columns are dumped there (compact, UTF-8 kept)."""
    import psycopg

    conn = psycopg.connect(url or settings.warehouse_url(), application_name="gospubliki", autocommit=True)
    # a load's staging table (warehouse/quarantine.py) stays in memory: temp_buffers can only be
    # set before the session's first use of a temporary table
    conn.execute("set temp_buffers = '256MB'")
    conn.autocommit = False
    with conn:
        yield conn


def _compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def apply_schema(url: str | None = None) -> list[int]:
    """Bring the schemas and tables the Python side owns up to date (versioned, see
    ``warehouse.migrations``); returns the schema versions applied now (none when up to date)."""
    from gospubliki.warehouse import migrations

    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(4242)")  # concurrent tasks: one applies, others wait
        return migrations.apply(cur)


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def copy_rows(cur, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Bulk-load rows with PostgreSQL ``COPY … FROM STDIN``. Returns the number of rows.

    ``None`` becomes SQL NULL; dicts/lists become JSON text (for jsonb columns). On a psycopg 3
    cursor (:func:`connect_streaming`) the rows are streamed as they come; on psycopg2 they are
    written to one CSV buffer first (psycopg2's ``copy_expert`` needs a file).
    """
    cols = ", ".join(columns)
    if hasattr(cur, "copy"):  # psycopg 3
        # JSON columns are dumped here, by position: measured 3× faster than psycopg's jsonb dumper
        # on 60 000 VK payloads (docs/benchmarks.md)
        cur.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and atttypid in ('json'::regtype, 'jsonb'::regtype)",
            (table,),
        )
        json_columns = {r[0] for r in cur.fetchall()}
        json_at = [i for i, c in enumerate(columns) if c in json_columns]
        n = 0
        with cur.copy(f"copy {table} ({cols}) from stdin") as copy:
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        if (v := row[i]) is not None and not isinstance(v, str):
                            row[i] = _compact_json(v)
                copy.write_row(row)
                n += 1
        return n
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    n = 0
    for row in rows:
        writer.writerow(["\\N" if (c := _cell(v)) is None else c for v in row])
        n += 1
    buf.seek(0)
    cur.copy_expert(f"copy {table} ({cols}) from stdin with (format csv, null '\\N')", buf)
    return n
