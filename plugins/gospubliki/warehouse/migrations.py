"""The warehouse schema the Python side owns, versioned.

Two parts, applied by :func:`gospubliki.warehouse.db.apply_schema` (``gospubliki warehouse init``
and before every load), under one advisory lock so concurrent tasks apply it once:

* **the baseline** (version 1): ``schema.sql`` then ``sql/*.sql`` in name order — the schema as
  it was when versioning began. Every statement in it is idempotent (``create … if not exists``),
  and these files are frozen: a change to the schema is never an edit of them;
* **numbered migrations** ``versions/NNNN_name.sql`` (NNNN ≥ 0002), each applied once, in
  order, in the same transaction as its row in ``audit.schema_migrations``. A warehouse created
  before versioning (no such table) gets the baseline (a no-op on its tables) and then every
  migration, so an upgrade keeps its data.

Why hand-written rather than Alembic: the schema is plain SQL files that dbt sources describe, a
few dozen lines of runner keep them plain, and there is no ORM model to diff against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
BASELINE_FILES = [HERE / "schema.sql", *sorted((HERE / "sql").glob("*.sql"))]
MIGRATIONS_DIR = HERE / "versions"
BASELINE_VERSION = 1
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

VERSION_TABLE = """
create schema if not exists audit;
create table if not exists audit.schema_migrations (
    version     integer primary key,
    name        text not null,
    applied_at  timestamptz not null default now()
);
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text()


def migrations() -> list[Migration]:
    """The numbered migrations in order; a badly named file or a repeated number is an error."""
    found: dict[int, Migration] = {}
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m or int(m.group(1)) <= BASELINE_VERSION:
            raise RuntimeError(f"migration file {path.name}: expected NNNN_name.sql with NNNN > 0001")
        version = int(m.group(1))
        if version in found:
            raise RuntimeError(f"two migrations numbered {version}: {found[version].path.name}, {path.name}")
        found[version] = Migration(version, m.group(2), path)
    return [found[v] for v in sorted(found)]


def latest_version() -> int:
    ms = migrations()
    return ms[-1].version if ms else BASELINE_VERSION


def applied_versions(cur) -> set[int]:
    cur.execute("select to_regclass('audit.schema_migrations') is not null")
    if not cur.fetchone()[0]:
        return set()
    cur.execute("select version from audit.schema_migrations")
    return {r[0] for r in cur.fetchall()}


def apply(cur) -> list[int]:
    """Bring the schema up to date inside the caller's transaction; returns the versions applied."""
    done = applied_versions(cur)
    applied: list[int] = []
    if BASELINE_VERSION not in done:
        for path in BASELINE_FILES:
            cur.execute(path.read_text())
        cur.execute(VERSION_TABLE)
        cur.execute(
            "insert into audit.schema_migrations (version, name) values (%s, 'baseline')",
            (BASELINE_VERSION,),
        )
        applied.append(BASELINE_VERSION)
    for m in migrations():
        if m.version in done:
            continue
        cur.execute(m.sql())
        cur.execute("insert into audit.schema_migrations (version, name) values (%s, %s)", (m.version, m.name))
        applied.append(m.version)
    return applied
