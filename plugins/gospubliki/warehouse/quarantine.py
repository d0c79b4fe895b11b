"""Row-level quarantine: implausible rows of a load are kept aside with their reason, not published.

Every raw batch of a load passes through :func:`land_batch`, called by ``loads.land`` inside the
load's transaction, the same way for every network (the rules look at column names, not at the
network)::

    each row, as it streams by, is screened in Python against every rule's cheap test and the
    batch's keys seen so far:
      a row no rule can match, with a key not seen before -> COPY straight into the raw table
      a suspect row (a rule may match, a key seen before, a value of an unexpected type)
                                   -> set aside, then COPY to a temporary staging table
                                      (integer columns widened to bigint, its row number added)
    on the staged rows only, each rule, in order, marks the rows it matches (first reason kept)
    rows sharing the table's key (its primary key without load_id) -> 'duplicate', the first kept
    marked rows -> raw.quarantine (reason, detail, the row as received)
    the rest of the staged rows -> the raw table

The SQL predicate of a rule decides; its Python test (``Rule.screen``) only has to be true whenever
the predicate can be, so a clean row never costs the server more than psql's ``\\copy`` of it
(docs/benchmarks.md), and a load of clean rows stages nothing.

The rules (thresholds: ``settings.plausibility()``):

==============================  ========================================  =============  =======
reason                          a row is quarantined when                 action         counted
==============================  ========================================  =============  =======
members_count_out_of_range      members_count < 0 or > max_members        value_nulled   yes
negative_counter                views, likes, reposts or comments < 0     withheld       yes
posted_in_future                posted_at later than the landing          withheld       yes
posted_after_snapshot_day       posted_at >= end of the snapshot day      withheld       no
duplicate                       same key as an earlier row of the batch   withheld       yes
==============================  ========================================  =============  =======

* *withheld*: the row is not published at all.
* *value_nulled*: a page row must stay — the validation accounts for every registry page, and the
  page's other attributes and posts are sound — so it is published with the implausible value set
  to NULL (unknown), and the row as received is kept in quarantine.
* *counted*: counts toward the load's quarantined share (``details.quarantine.share``, the highest
  share over the load's tables), which the load's validation gates on
  (``GOSPUBLIKI_MAX_QUARANTINE_SHARE``). A post dated after the snapshot day is no sign of a bad
  source — the API answers with the present, so a run after midnight or a backfill sees newer
  posts — it is kept and counted by reason but does not count toward the share. A post dated after
  the landing itself cannot exist: it counts.

Why the rules are SQL, with the Python screen only routing rows: one place for every network that
decides (and words the detail), and a duplicate key never reaches the raw table's primary key (the
COPY would fail and lose the whole load): the first row of a key goes to the raw table only when
it is clean, every later row of that key is staged with the number of that first row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter

from gospubliki import dates, settings
from gospubliki.warehouse import db

STAGE = "quarantine_stage"
COUNTERS = ("views", "likes", "reposts", "comments")
_MARKS = ("_row", "_first", "_reason", "_detail", "_counted", "_action")
#: Python type a key value must have for the screen to compare keys as PostgreSQL does (by SQL type)
_KEY_TYPES = {"text": str, "bigint": int, "integer": int, "smallint": int}


@dataclass(frozen=True)
class Rule:
    reason: str
    needs: str  # a column the table must have for the rule to apply
    predicate: str  # SQL over the staged row ``s``; %(name)s parameters from :func:`_parameters`
    detail: str  # SQL text: the offending value
    counted: bool = True
    nulls: str | None = None  # value_nulled: this column is set to NULL in the published row
    # the Python screen: the columns it reads and a test of their values (a tuple, in that order)
    # with the parameters of :func:`_parameters`; it must be true whenever ``predicate`` can be
    # (a TypeError or ValueError counts as true), never decides the reason
    reads: tuple[str, ...] = ()
    screen: Callable[[tuple, dict], bool] = lambda values, params: True


def rules(columns: Iterable[str]) -> list[Rule]:
    """The rules that apply to a table with ``columns``, in order of precedence."""
    columns = set(columns)
    counters = [c for c in COUNTERS if c in columns]
    out = [
        Rule(
            "members_count_out_of_range",
            "members_count",
            "s.members_count < 0 or s.members_count > %(max_members)s",
            "'members_count = ' || s.members_count || ' outside [0, ' || %(max_members)s || ']'",
            nulls="members_count",
            reads=("members_count",),
            screen=lambda v, p: v[0] is not None and not 0 <= v[0] <= p["max_members"],
        ),
        Rule(
            "posted_in_future",
            "posted_at",
            "s.posted_at > now()",
            "'posted_at ' || s.posted_at || ' is after the landing (' || now() || ')'",
            reads=("posted_at",),
            screen=lambda v, p: v[0] > p["now"],
        ),
        Rule(
            "posted_after_snapshot_day",
            "posted_at",
            "s.posted_at >= %(window_end)s",
            "'posted_at ' || s.posted_at || ' is after the snapshot day (ends ' || %(window_end)s || ')'",
            counted=False,
            reads=("posted_at",),
            screen=lambda v, p: v[0] >= p["window_end"],
        ),
    ]
    if counters:
        out.insert(
            1,
            Rule(
                "negative_counter",
                counters[0],
                " or ".join(f"s.{c} < 0" for c in counters),
                "concat_ws(', ', "
                + ", ".join(f"case when s.{c} < 0 then '{c} = ' || s.{c} end" for c in counters)
                + ")",
                reads=tuple(counters),
                screen=lambda v, p: any(c is not None and c < 0 for c in v),
            ),
        )
    return [r for r in out if r.needs in columns]


@dataclass
class BatchOutcome:
    """What became of one batch: rows received, published and quarantined (by reason)."""

    table: str
    received: int = 0
    published: int = 0
    by_reason: Counter = field(default_factory=Counter)
    counted: int = 0

    @property
    def quarantined(self) -> int:
        return sum(self.by_reason.values())

    @property
    def share(self) -> float:
        return self.counted / self.received if self.received else 0.0


def _parameters(snapshot_date: date) -> dict:
    return {
        "max_members": settings.plausibility().max_members,
        "window_end": dates.window_end(snapshot_date),
    }


def _table_columns(cur, table: str) -> dict[str, str]:
    # pg_attribute, not information_schema (5-9 ms a table); format_type without the type modifier
    # names the types as information_schema.columns.data_type does ('integer', 'text' …)
    cur.execute(
        """select attname, format_type(atttypid, null) from pg_attribute
           where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum""",
        (table,),
    )
    return dict(cur.fetchall())


def _key_columns(cur, table: str) -> list[str]:
    """The table's primary key without ``load_id`` and ``snapshot_date`` (what must be unique within one load)."""
    cur.execute(
        """select a.attname from pg_index i
           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
           where i.indrelid = %s::regclass and i.indisprimary
           order by array_position(i.indkey::int2[], a.attnum)""",
        (table,),
    )
    # snapshot_date is in the key of the partitioned raw tables (migration 0300) but is one value per load
    return [r[0] for r in cur.fetchall() if r[0] not in ("load_id", "snapshot_date")]


def _screen(columns: Sequence[str], table_rules: Sequence[Rule], params: dict) -> Callable[[Sequence], bool]:
    """``suspect(row)``: true when a rule's Python test may hold for the row (see :class:`Rule`)."""
    at = {c: i for i, c in enumerate(columns)}
    checks = []
    for rule in table_rules:
        idx = [at[c] for c in rule.reads if c in at]
        if idx:  # a column the batch does not carry is NULL in SQL: the predicate cannot hold
            # itemgetter of one index returns the value itself; of two (the same twice), a tuple
            checks.append((itemgetter(*idx) if len(idx) > 1 else itemgetter(idx[0], idx[0]), rule.screen))

    def suspect(row: Sequence) -> bool:
        try:
            for values, test in checks:
                if test(values(row), params):
                    return True
        except (TypeError, ValueError):  # a value the test cannot judge: the SQL will
            return True
        return False

    return suspect


def land_batch(
    cur, load_id: int, source: str, snapshot_date: date, table: str, columns: Sequence[str], rows: Iterable[Sequence]
) -> BatchOutcome:
    """COPY one batch of a load through the quarantine into ``table`` (see the module docstring)."""
    outcome = BatchOutcome(table)
    table_columns = _table_columns(cur, table)
    key = _key_columns(cur, table)
    cur.execute("select now()")  # the rules' now(): the transaction's start
    params = {**_parameters(snapshot_date), "now": cur.fetchone()[0]}
    table_rules = rules(table_columns)
    suspect = _screen(columns, table_rules, params)
    at = {c: i for i, c in enumerate(columns)}
    key_types = tuple(_KEY_TYPES.get(table_columns[k]) for k in key)
    # keys are compared in Python only when they are values PostgreSQL compares the same way: each
    # of the SQL type's Python type (int, str); from the first row that is not, every row is staged
    trusted = bool(key) and all(k in at for k in key) and None not in key_types
    key_of = itemgetter(*[at[k] for k in key], at[key[0]]) if trusted else None  # always a tuple
    first_of: dict[tuple, int] = {}  # key -> the number of its first row (0: that row was staged)
    staged: list[tuple] = []  # (row number, row): the suspects, copied to the staging table after

    def straight():
        nonlocal trusted
        for n, row in enumerate(rows, start=1):
            if trusted:
                k = key_of(row)
                if tuple(map(type, k[:-1])) != key_types:
                    trusted = False
                elif k not in first_of:
                    if not suspect(row):
                        first_of[k] = n
                        yield (load_id, *row)
                        continue
                    first_of[k] = 0
            elif not key and not suspect(row):  # a table without a key: only the rules
                yield (load_id, *row)
                continue
            staged.append((n, row))

    published = db.copy_rows(cur, table, ["load_id", *columns], straight())
    outcome.received = published + len(staged)
    outcome.published = published
    if staged:
        outcome.published += _land_staged(cur, load_id, source, table, columns, key, table_columns, table_rules,
                                          params, staged, first_of, outcome)
    return outcome


def _land_staged(cur, load_id, source, table, columns, key, table_columns, table_rules, params, staged, first_of,
                 outcome) -> int:
    """The staged (suspect) rows of a batch through the rules: quarantined or published. Returns
    the rows published."""
    cur.execute(f"drop table if exists pg_temp.{STAGE}")
    cur.execute(f"create temp table {STAGE} (like {table} including defaults) on commit drop")
    widen = [c for c, t in table_columns.items() if t == "integer"]  # 10^12 must reach the rules, not fail the COPY
    cur.execute(
        f"alter table {STAGE} "
        + "".join(f"alter column {c} type bigint, " for c in widen)
        + "add column _row bigint, add column _first bigint, add column _reason text, "
        "add column _detail text, add column _counted boolean, add column _action text"
    )
    # the row number comes with the row (an identity column would cost a sequence call per row)
    db.copy_rows(cur, STAGE, ["_row", "load_id", *columns], ((n, load_id, *row) for n, row in staged))
    for rule in table_rules:
        cur.execute(
            f"""update {STAGE} s set _reason = %(reason)s, _detail = {rule.detail}, _counted = %(counted)s,
                       _action = %(action)s
                where s._reason is null and ({rule.predicate})""",
            {
                **params,
                "reason": rule.reason,
                "counted": rule.counted,
                "action": "value_nulled" if rule.nulls else "withheld",
            },
        )
    if key:
        cols = ", ".join(key)
        # a staged row whose key is already in the raw table: that row went there straight, being
        # the first of its key and clean; its number is the screen's
        cur.execute(
            f"""select s._row, {", ".join("t." + k for k in key)} from {STAGE} s join {table} t using ({cols})
                where t.load_id = %s""",
            (load_id,),
        )
        # (a key not the screen's: a second batch of the same table in one load, which the
        # primary key refuses below as it always did)
        firsts = [(row, first) for row, *k in cur.fetchall() if (first := first_of.get(tuple(k + k[:1])))]
        if firsts:
            cur.execute(
                f"""update {STAGE} s set _first = f.first
                    from unnest(%s::bigint[], %s::bigint[]) f (row, first) where s._row = f.row""",
                ([r for r, _ in firsts], [f for _, f in firsts]),
            )
            cur.execute(
                f"""update {STAGE} set _reason = 'duplicate', _counted = true, _action = 'withheld',
                           _detail = 'same key as row ' || _first
                    where _first is not null and (_reason is null or _action = 'value_nulled')"""
            )
        # the keys whose every row was staged: duplicates are rare, so find their keys by hashing
        # (no sort of the whole batch), then rank only the rows of those keys
        cur.execute(
            f"""with candidates as (
                    select _row, {cols} from {STAGE} where _reason is null or _action = 'value_nulled'
                ),
                duplicated as (
                    select {cols} from candidates group by {cols} having count(*) > 1
                ),
                ranked as (
                    select c._row, row_number() over w as n, first_value(c._row) over w as first_row
                    from candidates c join duplicated using ({cols})
                    window w as (partition by {", ".join("c." + k for k in key)} order by c._row)
                )
                update {STAGE} s set _reason = 'duplicate', _counted = true, _action = 'withheld',
                       _detail = 'same key as row ' || d.first_row
                from ranked d
                where d._row = s._row and d.n > 1"""
        )
    key_json = ", ".join(f"'{c}', s.{c}" for c in key)
    drop_marks = "".join(f" - '{m}'" for m in ("load_id", *_MARKS))
    cur.execute(
        f"""insert into raw.quarantine (load_id, source, table_name, row_number, row_key, reason, detail,
                                        counted, action, row_data)
            select s.load_id, %s, %s, s._row, jsonb_build_object({key_json}), s._reason, s._detail,
                   s._counted, s._action, to_jsonb(s){drop_marks}
            from {STAGE} s where s._reason is not null""",
        (source, table),
    )
    for rule in table_rules:
        if rule.nulls:
            cur.execute(f"update {STAGE} set {rule.nulls} = null where _reason = %s", (rule.reason,))
    cur.execute(f"select _reason, count(*), count(*) filter (where _counted) from {STAGE} group by 1")
    for reason, n, counted in cur.fetchall():
        if reason is not None:
            outcome.by_reason[reason] = n
            outcome.counted += counted
    target = ", ".join(["load_id", *columns])
    cur.execute(
        f"""insert into {table} ({target}) select {target} from {STAGE}
            where _reason is null or _action = 'value_nulled'"""
    )
    published = cur.rowcount
    cur.execute(f"drop table {STAGE}")
    return published


def summary(outcomes: Sequence[BatchOutcome]) -> dict:
    """``raw.loads.details.quarantine``: rows quarantined, by reason and by table, and the share the
    validation gates on (the highest share of counted rows over the load's tables)."""
    by_reason: Counter = Counter()
    for o in outcomes:
        by_reason.update(o.by_reason)
    return {
        "rows": sum(o.quarantined for o in outcomes),
        "by_reason": dict(sorted(by_reason.items())),
        "by_table": {
            o.table: {"received": o.received, "quarantined": o.quarantined, "counted": o.counted, "share": o.share}
            for o in outcomes
        },
        "share": max((o.share for o in outcomes), default=0.0),
    }
