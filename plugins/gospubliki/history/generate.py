"""Generated history: earlier days derived in SQL from one validated day (the *seed* load of each
network), registered as validated loads through the load life cycle.

For every generated day ``d`` (``k`` days before the seed day ``S``) and network, one transaction:
``raw.loads`` row ('loading') → rows inserted by ``INSERT … SELECT`` from the seed load → 'loaded'
(rows, ``details``) → published (``loads.publish_in``: 'validated'). ``details.generated`` holds
``{from_load, seed, days_before}``; nothing is quarantined (the seed's rows were). A day that
already has a validated load of a network keeps it (real data is never replaced, and a second run
with the same arguments changes nothing).

The drift, deterministic (``hashtextextended(key, seed)``, no randomness on the client):

* pages: every column of the seed row, ``members_count`` × exp(−g·k) with a per-page daily growth
  g ∈ [−0.05 %, +0.2 %] (most pages grow, some shrink); ``payload`` NULL (it would not match the
  drifted values);
* posts: day ``d`` holds the posts whose time falls in its window (the 7 Moscow days ending with
  ``d``, as the extractors read them), taken from the seed's posts shifted back by whole weeks
  ``w`` (post ids shifted below the seed's by ``w`` × the page's id span, so a post keeps its id in
  every load that sees it, as in the API); a shifted post is kept with a per-page-and-week
  probability of 75–100 % (weeks differ); counters scaled by the post's age in that load and a
  per-page-and-week factor 0.8–1.2; pinned posts (``is_pinned``) are carried unchanged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from gospubliki.errors import BadValue, UserError
from gospubliki.warehouse import db, loads

WINDOW_DAYS = 7  # the extractors' post window (extract/*.py window_days)
NETWORKS = ("vk", "ok", "tg")
MOSCOW = "Europe/Moscow"


class NoSeedDay(UserError):
    """No validated load to derive history from."""


@dataclass
class GeneratedHistory:
    seed_day: date
    seed_loads: dict[str, int]
    days: list[date] = field(default_factory=list)  # generated now
    kept: list[tuple[str, date]] = field(default_factory=list)  # (network, day) already validated
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows generated
    seconds: float = 0.0


def _u(key_sql: str) -> str:
    """SQL: a deterministic number in [0, 1) from a text key and the seed parameter."""
    return f"((hashtextextended({key_sql}, %(seed)s) & 4294967295)::float8 / 4294967296.0)"


def seed_loads(cur, end: date | None) -> tuple[date, dict[str, int]]:
    """The seed day: ``end`` (default the latest day with a validated, non-generated load of every
    network present) and its validated load per network."""
    cur.execute(
        """select source, snapshot_date, load_id from raw.loads
           where status = 'validated' and not details ? 'generated'
             and (%(end)s::date is null or snapshot_date = %(end)s)
           order by snapshot_date desc""",
        {"end": end},
    )
    by_day: dict[date, dict[str, int]] = {}
    for source, day, load_id in cur.fetchall():
        by_day.setdefault(day, {})[source] = load_id
    if not by_day:
        where = f"for {end}" if end else "in the warehouse"
        raise NoSeedDay(f"no validated (non-generated) load {where} to generate history from")
    day = max(by_day, key=lambda d: (len(by_day[d]), d))
    return day, by_day[day]


def has_seed(end: date, url: str | None = None) -> bool:
    """Whether ``end`` has a real (non-generated) validated load to generate history from."""
    with db.connect(url) as conn, conn.cursor() as cur:
        try:
            seed_loads(cur, end)
            return True
        except NoSeedDay:
            return False


def _columns(cur, table: str) -> list[str]:
    cur.execute(
        """select column_name from information_schema.columns
           where table_schema = 'raw' and table_name = %s order by ordinal_position""",
        (table.split(".")[1],),
    )
    return [r[0] for r in cur.fetchall()]


def _pages_sql(table: str, columns: list[str]) -> str:
    growth = f"(-0.0005 + 0.0025 * {_u('s.page_key')})"
    values = {
        "load_id": "%(load_id)s",
        "snapshot_date": "%(day)s",
        "members_count": f"round(s.members_count * exp(-{growth} * %(k)s))::bigint",
        "payload": "null::jsonb",
    }
    select = ", ".join(values.get(c, f"s.{c}") for c in columns)
    return f"""insert into {table} ({", ".join(columns)})
               select {select} from {table} s where s.load_id = %(seed_load)s"""


def _posts_sql(table: str, columns: list[str]) -> str:
    pinned = "s.is_pinned" if "is_pinned" in columns else "false"
    age0 = "extract(epoch from (%(seed_end)s - s.posted_at)) / 86400.0"  # age in the seed's load, days
    age = f"({age0} + 7 * w.w - %(k)s)"  # age in the generated day's load
    factor = (
        f"(({age} + 0.25) / ({age} + 1.25)) / (({age0} + 0.25) / ({age0} + 1.25))"
        f" * case when w.w = 0 then 1 else 0.8 + 0.4 * {_u(chr(39) + 'f' + chr(39) + ' || s.page_key || w.w')} end"
    )
    scaled = f"round(s.{{c}} * greatest({factor}, 0))::bigint"
    shift = "s.{c} - w.w * sp.span"
    values = {
        "load_id": "%(load_id)s",
        "snapshot_date": "%(day)s",
        "post_id": shift.format(c="post_id"),
        "grouped_id": shift.format(c="grouped_id"),
        "posted_at": "s.posted_at - w.w * interval '7 days'",
        "payload": "null::jsonb",
        **{c: scaled.format(c=c) for c in ("views", "likes", "reposts", "comments")},
    }
    select = ", ".join(values.get(c, f"s.{c}") for c in columns)
    pinned_select = ", ".join(
        {"load_id": "%(load_id)s", "snapshot_date": "%(day)s", "payload": "null::jsonb"}.get(c, f"s.{c}") for c in columns
    )
    keep = f"(w.w = 0 or {_u(chr(39) + 'k' + chr(39) + ' || s.page_key || s.post_id || w.w')} < 0.75 + 0.25 * {_u(chr(39) + 'a' + chr(39) + ' || s.page_key || w.w')})"
    return f"""with span as (
                   select page_key, max(post_id) - min(post_id) + 1 as span
                   from {table} where load_id = %(seed_load)s group by page_key
               )
               insert into {table} ({", ".join(columns)})
               select {select}
               from {table} s
               join span sp on sp.page_key = s.page_key
               cross join generate_series(0, %(k)s / 7 + 1) as w(w)
               where s.load_id = %(seed_load)s and not {pinned}
                 and s.posted_at - w.w * interval '7 days' >= %(window_start)s
                 and s.posted_at - w.w * interval '7 days' < %(window_end)s
                 and {keep}
               union all
               select {pinned_select} from {table} s where s.load_id = %(seed_load)s and {pinned}"""


def _window(day: date) -> tuple:
    from gospubliki import dates

    return dates.window_start(day, WINDOW_DAYS), dates.window_end(day)


def generate(
    days: int,
    *,
    end: date | None = None,
    seed: int = 1,
    url: str | None = None,
    progress: Callable[[date, int, int], None] | None = None,
) -> GeneratedHistory:
    """Fill the ``days`` days ending with the seed day (``end``) — the ``days − 1`` before it are
    generated — from the seed day's validated loads. ``progress(day, done, total)`` after each day."""
    if days < 1:
        raise BadValue("--days must be at least 1 (the seed day itself)")
    started = time.monotonic()
    db.apply_schema(url)
    with db.connect(url) as conn, conn.cursor() as cur:
        seed_day, seeds = seed_loads(cur, end)
        cur.execute(
            "select source, snapshot_date from raw.loads where status = 'validated' and snapshot_date between %s and %s",
            (seed_day - timedelta(days=days - 1), seed_day - timedelta(days=1)),
        )
        validated = set(cur.fetchall())
        tables = {source: loads.raw_tables_of(cur, source) for source in seeds}
        sql = {}
        for names in tables.values():
            for table in names:
                if table == "raw.quarantine":
                    continue
                columns = _columns(cur, table)
                sql[table] = _posts_sql(table, columns) if "posted_at" in columns else _pages_sql(table, columns)
        cur.execute("select load_id, requests, details from raw.loads where load_id = any(%s)", (list(seeds.values()),))
        seed_info = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
    history = GeneratedHistory(seed_day=seed_day, seed_loads=seeds)
    _, seed_end = _window(seed_day)
    targets = [seed_day - timedelta(days=k) for k in range(1, days)]
    for done, day in enumerate(targets, start=1):
        k = (seed_day - day).days
        start_, end_ = _window(day)
        made = False
        with db.connect(url) as conn, conn.cursor() as cur:
            for source, seed_load in seeds.items():
                if (source, day) in validated:
                    history.kept.append((source, day))
                    continue
                requests, seed_details = seed_info[seed_load]
                details = {
                    key: value for key, value in seed_details.items() if key not in ("rows_by_table", "quarantine")
                }
                details["generated"] = {"from_load": seed_load, "seed": seed, "days_before": k}
                cur.execute(
                    """insert into raw.loads (source, snapshot_date, status, requests, details, observed_at)
                       select %s, %s, 'loading', %s, %s, observed_at - %s * interval '1 day'
                       from raw.loads where load_id = %s returning load_id""",
                    (source, day, requests, json.dumps(details, ensure_ascii=False), k, seed_load),
                )
                load_id = cur.fetchone()[0]
                loads.ensure_partitions(cur, day, tables[source])
                params = {"load_id": load_id, "seed_load": seed_load, "day": day, "k": k, "seed": seed,
                          "seed_end": seed_end, "window_start": start_, "window_end": end_}
                rows = {}
                for table in tables[source]:
                    if table in sql:
                        cur.execute(sql[table], params)
                        rows[table] = cur.rowcount
                        history.rows[table] = history.rows.get(table, 0) + cur.rowcount
                cur.execute(
                    """update raw.loads set status = 'loaded', rows = %s, loaded_at = now(), load_seconds = 0,
                              details = details || jsonb_build_object('rows_by_table', %s::jsonb,
                                  'quarantine', jsonb_build_object('rows', 0, 'by_reason', '{}'::jsonb, 'share', 0))
                       where load_id = %s""",
                    (sum(rows.values()), json.dumps(rows), load_id),
                )
                loads.publish_in(cur, load_id)
                made = True
        if made:
            history.days.append(day)
        if progress:
            progress(day, done, len(targets))
    history.seconds = time.monotonic() - started
    return history
