"""Extra DDL contributed by network modules (one place per network keeps its own raw tables).

Each network's raw tables live in ``gospubliki/warehouse/sql/*.sql``; they are applied after
``schema.sql`` in name order.
"""

from __future__ import annotations

from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")


def extra_schema_sql() -> list[str]:
    if not SQL_DIR.exists():
        return []
    return [p.read_text() for p in sorted(SQL_DIR.glob("*.sql"))]
