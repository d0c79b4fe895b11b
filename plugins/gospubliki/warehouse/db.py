"""Connections to the warehouse and the few generic helpers every module uses (schema, COPY)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import msgspec
import psycopg2
import psycopg2.extensions
from psycopg.adapt import PyFormat
from psycopg.types.bool import BoolBinaryDumper
from psycopg.types.numeric import Int2BinaryDumper, Int4BinaryDumper

from gospubliki import settings

BYTEA_OID = 17


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


_json_encode = msgspec.json.Encoder().encode


def _json_bytes(value) -> bytes:
    """Compact JSON, UTF-8 kept. msgspec's encoder (C) is ~3.5× faster than ``json.dumps`` on the
    API payloads (0.19 s vs 0.69 s for 90 000 VK payloads, docs/benchmarks.md); what it cannot
    encode goes to ``json.dumps`` as before. (It writes a float NaN as null, where ``json.dumps``
    wrote NaN, which jsonb refused.)"""
    if isinstance(value, str):  # already JSON text
        return value.encode()
    try:
        return _json_encode(value)
    except (msgspec.EncodeError, TypeError, ValueError, OverflowError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _compact_json(value) -> str:
    return _json_bytes(value).decode()


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
        return _compact_json(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def copy_rows(cur, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Bulk-load rows with PostgreSQL ``COPY … FROM STDIN``. Returns the number of rows.

    ``None`` becomes SQL NULL; dicts/lists become JSON text (for jsonb columns). On a psycopg 3
    cursor (:func:`connect_streaming`) the rows are streamed as they come, in COPY's binary format
    (:func:`_copy_binary`); on psycopg2 they are written to one CSV buffer first (psycopg2's
    ``copy_expert`` needs a file).
    """
    cols = ", ".join(columns)
    if hasattr(cur, "copy"):  # psycopg 3
        return _copy_binary(cur, table, cols, columns, rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    n = 0
    for row in rows:
        writer.writerow(["\\N" if (c := _cell(v)) is None else c for v in row])
        n += 1
    buf.seek(0)
    cur.copy_expert(f"copy {table} ({cols}) from stdin with (format csv, null '\\N')", buf)
    return n


# ---------------------------------------------------------------- binary COPY (psycopg 3)
# Why binary: psycopg formats each value in C without escaping text, and the server parses no
# numbers, dates or timestamps; measured on 60 000 VK pages: client CPU 0.40 s -> 0.19 s, server
# 0.64 s -> 0.52 s (docs/benchmarks.md). The price: each value must be of its column's Python type
# (int, bool, str, date, a timezone-aware datetime, dict/list/str for JSON); another type is an
# error naming the row, not a value reinterpreted.
class _CheckedBool(BoolBinaryDumper):
    """psycopg's binary bool takes any object's truth ('f' would be true): only bool, 0 and 1 here."""

    def dump(self, obj):
        if obj is not True and obj is not False and obj not in (0, 1):
            raise TypeError(f"{obj!r} is not a boolean")
        return super().dump(obj)


class _InRange:
    """psycopg's binary int4/int2 wrap a value out of range (10^12 would land as -727379968)."""

    bits = 64

    def dump(self, obj):
        half = 1 << (self.bits - 1)
        if not -half <= obj < half:
            raise ValueError(f"{obj!r} is out of range for a {self.bits}-bit integer")
        return super().dump(obj)


class _CheckedInt4(_InRange, Int4BinaryDumper):
    bits = 32


class _CheckedInt2(_InRange, Int2BinaryDumper):
    bits = 16


def _copy_binary(cur, table: str, cols: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    # by type oid only (this cursor's COPY): the checked dumpers, and psycopg's C dumper of bytes
    # for bytea (by oid psycopg finds its Python dumper of the DB-API Binary wrapper)
    for dumper in (_CheckedBool, _CheckedInt4, _CheckedInt2, cur.adapters.get_dumper(bytes, PyFormat.BINARY)):
        cur.adapters.register_dumper(None, dumper)
    cur.execute(
        """select attname, atttypid, atttypid in ('json'::regtype, 'jsonb'::regtype), atttypid = 'jsonb'::regtype
           from pg_attribute where attrelid = %s::regclass and attnum > 0 and not attisdropped""",
        (table,),
    )
    catalog = {name: (oid, is_json, is_jsonb) for name, oid, is_json, is_jsonb in cur.fetchall()}
    # a JSON value goes as bytea: its binary form is the JSON text (jsonb: after a version byte 1),
    # encoded here once (msgspec) instead of by psycopg's dumper
    types = [BYTEA_OID if catalog[c][1] else catalog[c][0] for c in columns]
    json_at = [(i, b"\x01" if catalog[c][2] else b"") for i, c in enumerate(columns) if catalog[c][1]]
    n = 0
    with cur.copy(f"copy {table} ({cols}) from stdin (format binary)") as copy:
        copy.set_types(types)
        for row in rows:
            if json_at:
                row = list(row)
                for i, version in json_at:
                    if (v := row[i]) is not None:
                        row[i] = version + _json_bytes(v)
            n += 1
            try:
                copy.write_row(row)
            except (TypeError, ValueError, OverflowError) as exc:
                # the quarantine's staging table carries the batch's row number in _row
                where = f"row {row[0]} of the batch" if columns[0] == "_row" else f"row {n}"
                kinds = ", ".join(f"{c}: {type(v).__name__}" for c, v in zip(columns, row, strict=False))
                raise ValueError(f"COPY {table}, {where}: {exc} ({kinds})") from exc
    return n
