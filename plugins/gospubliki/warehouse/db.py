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
    """Bulk-load rows with PostgreSQL ``COPY … FROM STDIN`` (CSV). Returns the number of rows.

    ``None`` becomes SQL NULL; dicts/lists become JSON text (for jsonb columns).
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    n = 0
    for row in rows:
        writer.writerow(["\\N" if (c := _cell(v)) is None else c for v in row])
        n += 1
    buf.seek(0)
    cols = ", ".join(columns)
    cur.copy_expert(f"copy {table} ({cols}) from stdin with (format csv, null '\\N')", buf)
    return n
