"""The benchmark suite of issue #10: ``make bench`` (not part of ``make test``; pytest never collects it).

    python benchmarks/bench.py                               # every stage, region scale, 1 and 30 days
    python benchmarks/bench.py --stages load --scale national
    python benchmarks/bench.py --stages history,dbt,storage --days 1,30,365 --scale national
    python benchmarks/bench.py --stages capacity                # tokens/accounts for a national day in 2 h
    python benchmarks/bench.py --stages demo                    # `gospubliki demo`, fresh warehouse
    make bench BENCH=load BENCH_SCALE=national BENCH_DAYS=1,30,365

Stages, in one scratch database on the embedded server (dropped at the end unless ``--keep``):

* ``history``: the world of ``--scale``, its registry, one seed day extracted from the simulator by
  the real extractors and validated with Great Expectations (the daily DAG's path), then the
  largest ``--days`` of history generated (``gospubliki history generate``): seconds and rows.
* ``dbt``: for each N of ``--days``, with N days of validated history and the newest day landed but
  not published: ``dbt build --full-refresh --threads 1`` (one model at a time: two large models
  side by side spill their sorts at once; the daily DAG's selection: without the weekly history
  tests and the unit tests); then the day is published (``loads.publish``, as the
  DAG does after validation) and ``dbt build`` runs incrementally; then ``dbt build`` again with
  nothing new to do. Seconds of each, side by side.
* ``storage``: database, raw and marts sizes at each N, growth per day between the N measured, and
  the size of one real day's raw rows with their API payloads (generated days carry none).
* ``capacity``: the tokens and accounts a national day needs to be read inside 2 hours
  (``gospubliki.capacity``, limits cited there from social-apis.md): the requests each network's
  seed-day load recorded (``raw.loads.details``: requests by method, VK's ``wall.get`` calls inside
  ``execute``) per page, scaled to the national world's pages of that network (the seed day itself
  at ``--scale national``); VK: the larger of the 3 rps and the 5 000 ``wall.get`` a day bounds;
  OK: ``GOSPUBLIKI_OK_RPS`` (and the simulator's assumed daily budget); Telegram: GetHistory at
  10 per 30 s and ``GOSPUBLIKI_TG_CHANNEL_INTERVAL``, then the days to resolve every username at
  ``GOSPUBLIKI_TG_RESOLVE_DAILY_BUDGET`` per account (docs/operations.md, «Capacity»).
* ``load``: ``loads.land`` of 89 000 pages + 48 000 posts (a national day, whatever ``--scale``;
  ``--load-rows seed``: the seed day's rows) built from the seed day's real rows (replicated with
  new keys, networks in the seed's proportions), against ``psql \\copy`` of the same rows into
  tables of the same shape (primary keys included): wall seconds and client CPU.
* ``demo``: not in the scratch database — ``gospubliki demo`` (what ``make demo`` runs: region 43,
  history, 7 days through Airflow's real scheduler) in a temporary home with its own PostgreSQL
  port, i.e. from a fresh warehouse: seconds in all, each run's seconds, CPU of its process tree.
  Run it alone (``make bench BENCH=demo``): it measures the machine as much as the code.

The seed day's row also gives the bench process's peak memory (the simulator runs in it).

Every figure is written to ``benchmarks/results.json`` (committed: kept across runs and machines, so stages can be
run one at a time) and ``docs/benchmarks.md`` is rewritten from it with the machine, the date and
the command of each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "benchmarks.md"
RESULTS = REPO / "benchmarks" / "results.json"
SEED_DAY = date(2026, 11, 1)
NATIONAL_LOAD = (89_000, 48_000)  # issue #10: pages and posts of one national day
STAGES = ("history", "dbt", "storage", "load", "capacity", "demo")
NETWORKS = ("vk", "ok", "tg")


# ---------------------------------------------------------------- plumbing
def machine() -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    load1 = os.getloadavg()[0]
    return {"nproc": os.cpu_count(), "ram_gb": round(mem_kb / 2**20, 1), "cpu": cpu, "load_avg_1m": round(load1, 1)}


def _with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def _admin(sql: str) -> None:
    from gospubliki import settings

    conn = psycopg2.connect(_with_db(settings.admin_url(), "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


@contextmanager
def scratch_database(keep: bool):
    from gospubliki import settings
    from gospubliki.warehouse import server

    server.start()
    name = f"gp_bench_{uuid.uuid4().hex[:6]}"
    owner = urlsplit(settings.warehouse_url()).username
    _admin(f'create database "{name}" owner "{owner}"')
    url = _with_db(settings.warehouse_url(), name)
    print(f"scratch database {name}", flush=True)
    try:
        yield url
    finally:
        if keep:
            print(f"kept: {name}")
        else:
            _admin(f'drop database if exists "{name}" with (force)')


def query(url: str, sql: str, params=()) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def server_cpu() -> float:
    """CPU seconds used so far by the embedded PostgreSQL: the postmaster with its reaped children
    and every live backend (the machine is shared: wall seconds are inflated by other load, CPU
    seconds are not)."""
    from gospubliki.warehouse import server

    tick = os.sysconf("SC_CLK_TCK")
    postmaster = int((server.data_dir() / "postmaster.pid").read_text().split()[0])
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(proc.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def settled_server_cpu(deadline_s: float = 5.0) -> float:
    """:func:`server_cpu` once a backend that just ended has been reaped: its CPU moves from the
    live child to the postmaster's children total only then, and a read in between misses it
    (measured: 0.1 s instead of 1.7 s right after psql exits). Read until two reads 0.2 s apart
    agree, within a deadline."""
    last, ends = server_cpu(), time.monotonic() + deadline_s
    while time.monotonic() < ends:
        time.sleep(0.2)
        now = server_cpu()
        if now - last < 0.02:
            return now
        last = now
    return last


def timed(label: str, fn, *args, **kwargs):
    print(f"… {label}", flush=True)
    cpu0, started = time.process_time(), time.monotonic()
    result = fn(*args, **kwargs)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu0
    print(f"  {label}: {seconds:.1f} s (client CPU {cpu:.1f} s)", flush=True)
    return result, seconds, cpu


class Results:
    """Figures by key, each with its value(s), the machine, the date and the command."""

    path = None

    def __init__(self, command: str, scale: str):
        # in the repository, beside the page it renders: figures measured on another machine (a
        # home under .gospubliki/ does not survive a new checkout) stay in the page when a run adds its own
        self.path = RESULTS
        self.data = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.command, self.scale, self.machine = command, scale, machine()

    def put(self, key: str, **values) -> None:
        self.data[f"{self.scale}:{key}"] = {
            **values, "scale": self.scale, "command": self.command, "machine": self.machine,
            "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }
        self.path.write_text(json.dumps(self.data, indent=1, ensure_ascii=False, default=str))
        DOC.write_text(render(self.data))  # after every figure: a stage cut short keeps what it measured


# ---------------------------------------------------------------- stages
def prepare(url: str, scale: str, res: Results, validate: bool = True) -> None:
    from gospubliki.history import seed
    from gospubliki.warehouse import db

    db.apply_schema(url)
    world, s_world, _ = timed(f"build the {scale} world", seed.build, scale)
    _, s_import, _ = timed("reference data and registry import", seed.import_world, world, url)
    _, s_seed, _ = timed(f"seed day {SEED_DAY}: extract from the simulator, {'validate (GX), ' * validate}publish",
                         seed.extract_day, world, SEED_DAY, url=url, validate=validate)
    pages, posts = day_rows(url, SEED_DAY)
    if not validate:
        return
    # peak resident memory of this process so far: the extractors, GX and the simulator (in process)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res.put("seed", seconds=round(s_seed, 1), world_seconds=round(s_world + s_import, 1), pages=pages, posts=posts,
            peak_rss_mb=round(peak_mb))


def day_rows(url: str, day: date) -> tuple[int, int]:
    (pages,) = query(url, "select " + " + ".join(
        f"(select count(*) from raw.{n}_pages where snapshot_date = %(d)s)" for n in ("vk", "ok", "tg")), {"d": day})[0]
    (posts,) = query(url, "select " + " + ".join(
        f"(select count(*) from raw.{n}_posts where snapshot_date = %(d)s)" for n in ("vk", "ok", "tg")), {"d": day})[0]
    return pages, posts


def generate(url: str, days: int, res: Results | None = None) -> None:
    from gospubliki.history import generate as gen

    def progress(day, done, total):
        if done == total or done % max(1, total // 10) == 0:
            print(f"  {done}/{total} days (down to {day})", flush=True)

    history, seconds, _ = timed(f"generate history: {days} days", gen.generate, days, end=SEED_DAY, url=url,
                                progress=progress)
    if res is not None and history.days:
        res.put(f"history:{days}", days_generated=len(history.days), rows=sum(history.rows.values()),
                seconds=round(seconds, 1), per_day_seconds=round(seconds / len(history.days), 2))


def dbt_build(url: str, tmp: Path, **kwargs) -> float:
    """The daily DAG's build (its selection: ``dbt.DAILY_EXCLUDE``), timed."""
    from gospubliki.transform import dbt

    result, seconds, _ = timed("dbt build " + " ".join(f"{k}={v}" for k, v in kwargs.items()), dbt.build, url,
                               target_path=tmp / "target", log_path=tmp / "logs",
                               exclude=list(dbt.DAILY_EXCLUDE), **kwargs)
    if not result.success:
        raise SystemExit(f"dbt build failed ({kwargs})")
    return seconds


def slowest_nodes(run_results: Path, top: int = 5) -> list[list]:
    """The build's slowest models and tests (dbt's own ``run_results.json``): where a daily build's
    seconds go, so that a growing node shows up next to the total."""
    results = json.loads(run_results.read_text())["results"]
    # unique_id: model.gospubliki.<name> / test.gospubliki.<name>.<hash>
    timed_nodes = sorted(([r["unique_id"].split(".")[2], round(r["execution_time"], 1)] for r in results),
                         key=lambda n: -n[1])
    return timed_nodes[:top]


def sizes(url: str) -> dict:
    (db_bytes, raw, marts) = query(
        url,
        """select pg_database_size(current_database()),
                  (select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c
                   join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'raw' and c.relkind in ('r', 'p')),
                  (select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c
                   join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'marts' and c.relkind in ('r', 'p'))""",
    )[0]
    return {"database_mb": round(float(db_bytes) / 2**20, 1), "raw_mb": round(float(raw) / 2**20, 1),
            "marts_mb": round(float(marts) / 2**20, 1)}


def stage_dbt_and_storage(url: str, days_list: list[int], stages: set[str], res: Results) -> None:
    """For each N: N days validated before the newest day, which is landed but unpublished."""
    from gospubliki.warehouse import loads

    newest = SEED_DAY
    with tempfile.TemporaryDirectory() as tmp:
        for n in days_list:
            generate(url, n + 1, res)  # the N days before the newest one, and the newest
            seeds = [r[0] for r in query(url, "select load_id from raw.loads where snapshot_date = %s and status = 'validated'", (newest,))]
            query(url, "update raw.loads set status = 'loaded' where load_id = any(%s)", (seeds,))  # not yet published
            figures = {}
            if "dbt" in stages:
                # one model at a time, as docs/operations.md advises for a long history: two large
                # models side by side spill their sorts at once (a year ran out of disk with 2 threads)
                figures["full_refresh_s"] = round(dbt_build(url, Path(tmp), full_refresh=True, threads=1), 1)
                figures["full_refresh_threads"] = 1
            for load_id in seeds:  # the day's validation succeeded: published, as the DAG does
                loads.publish(load_id, url=url)
            if "dbt" in stages:
                figures["incremental_s"] = round(dbt_build(url, Path(tmp)), 1)
                figures["slowest_nodes"] = slowest_nodes(Path(tmp) / "target" / "run_results.json")
                figures["nothing_to_do_s"] = round(dbt_build(url, Path(tmp)), 1)
                figures["ratio"] = round(figures["incremental_s"] / figures["full_refresh_s"], 2)
                res.put(f"dbt:{n}", days=n, **figures)
            if "storage" in stages:
                res.put(f"storage:{n}", days=n + 1, **sizes(url))
        if "storage" in stages:
            payload = query(url, """select coalesce(sum(pg_column_size(payload)), 0) from (
                    select payload from raw.vk_pages where snapshot_date = %(d)s union all
                    select payload from raw.vk_posts where snapshot_date = %(d)s union all
                    select payload from raw.ok_pages where snapshot_date = %(d)s union all
                    select payload from raw.ok_posts where snapshot_date = %(d)s union all
                    select payload from raw.tg_pages where snapshot_date = %(d)s union all
                    select payload from raw.tg_posts where snapshot_date = %(d)s) p""", {"d": newest})[0][0]
            res.put("storage:payload", payload_mb_per_real_day=round(float(payload) / 2**20, 1))
        if {"storage", "dbt"} <= stages:  # the marts must hold a month before it may leave
            stage_archive(url, newest, res)


def stage_archive(url: str, today: date, res: Results) -> None:
    """The daily retention task's archive of raw months (warehouse/archive.py) on the newest day:
    months that ended more than GOSPUBLIKI_RAW_RETENTION_DAYS before it leave the warehouse."""
    from gospubliki import settings
    from gospubliki.warehouse import archive

    days = archive.raw_retention_days()
    cutoff = today - timedelta(days=days)
    (in_warehouse, archived_days) = query(url, """
        select (select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c
                where c.relnamespace = 'raw'::regnamespace and c.relispartition
                  and c.relname ~ '_p[0-9]{6}$'
                  and (to_date(right(c.relname, 6), 'YYYYMM') + interval '1 month')::date <= %(cutoff)s),
               (select count(distinct snapshot_date) from raw.loads
                where status = 'validated' and (date_trunc('month', snapshot_date) + interval '1 month')::date <= %(cutoff)s)""",
        {"cutoff": cutoff})[0]
    with tempfile.TemporaryDirectory(dir=settings.home()) as folder:
        (done, kept), seconds, _ = timed(f"archive raw months older than {days} days", archive.archive_raw,
                                         today=today, url=url, directory=Path(folder))
    if kept:
        raise SystemExit(f"raw months kept: {kept}")
    if not done:  # a history shorter than the retention: nothing measured, keep an earlier figure
        print(f"  no raw month older than {days} days to archive")
        return
    file_mb = sum(a.bytes for a in done) / 2**20
    res.put("storage:archive", retention_days=days, today=str(today), months=len({a.month for a in done}),
            days_archived=archived_days, rows=sum(a.rows for a in done), file_mb=round(file_mb, 1),
            in_warehouse_mb=round(float(in_warehouse) / 2**20, 1), seconds=round(seconds, 1), after=sizes(url))


def _replicated(rows: list[tuple], columns: list[str], target: int) -> list[tuple]:
    """``target`` rows from ``rows``: copies with a distinct page key (and post id) per copy."""
    if not rows:
        return []
    key = columns.index("page_key")
    post = columns.index("post_id") if "post_id" in columns else None
    out = []
    for i in range(target):
        row = list(rows[i % len(rows)])
        copy = i // len(rows)
        if copy:
            row[key] = f"{row[key]}~{copy}"
            if post is not None:
                row[post] = row[post] + copy * 10**9
        out.append(tuple(row))
    return out


def stage_load(url: str, national_rows: bool, res: Results) -> None:
    """loads.land vs psql \\copy of the same rows."""
    from gospubliki.warehouse import loads
    from gospubliki.warehouse.loads import RawBatch

    seed_pages, seed_posts = day_rows(url, SEED_DAY)
    pages_total, posts_total = NATIONAL_LOAD if national_rows else (seed_pages, seed_posts)
    day = SEED_DAY + timedelta(days=1)
    batches = {}
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for net in ("vk", "ok", "tg"):
            batches[net] = []
            for kind, total, seed_total in (("pages", pages_total, seed_pages), ("posts", posts_total, seed_posts)):
                table = f"raw.{net}_{kind}"
                cur.execute(f"select * from {table} where snapshot_date = %s", (SEED_DAY,))
                columns = [d.name for d in cur.description if d.name != "load_id"]
                rows = [r[1:] for r in cur.fetchall()]
                rows = [(day, *r[1:]) for r in rows]  # snapshot_date is the first column after load_id
                batches[net].append(RawBatch(table, columns, _replicated(rows, columns, round(len(rows) * total / seed_total))))
    n_pages = sum(len(b.rows) for net in batches for b in batches[net] if b.table.endswith("_pages"))
    n_posts = sum(len(b.rows) for net in batches for b in batches[net] if b.table.endswith("_posts"))
    land_s = land_cpu = 0.0
    landed = {}
    server0 = settled_server_cpu()
    for net, net_batches in batches.items():
        result, seconds, cpu = timed(f"loads.land {net}", loads.land, net, day, net_batches, url=url)
        land_s, land_cpu = land_s + seconds, land_cpu + cpu
        landed[net] = result.load_id
    land_server = settled_server_cpu() - server0
    # the same rows, as psql \copy sees them: CSV files of the landed rows, (1) into tables of the
    # same shape (primary keys included; the reference), (2) into the raw tables themselves
    # under a new load (month partitions, and whatever else loads.land pays there: before migration
    # 0650, a foreign key to raw.loads checked per row)
    with tempfile.TemporaryDirectory() as tmp, psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("create schema if not exists bench")
        plain, same = [], []
        for net, net_batches in batches.items():
            cur.execute("insert into raw.loads (source, snapshot_date, status) values (%s, %s, 'loading') "
                        "returning load_id", (net, day))
            (psql_load,) = cur.fetchone()
            for b in net_batches:
                name = b.table.split(".")[1]
                cur.execute(f"drop table if exists bench.{name}; create table bench.{name} (like {b.table} including all)")
                path = Path(tmp) / f"{name}.csv"
                with path.open("w") as f:
                    cur.copy_expert(f"copy (select * from {b.table} where load_id = {landed[net]}) to stdout with csv", f)
                plain.append(f"\\copy bench.{name} from '{path}' with csv")
                path = Path(tmp) / f"{name}.same.csv"
                with path.open("w") as f:
                    cur.copy_expert(f"copy (select {psql_load}, {', '.join(b.columns)} "
                                    f"from {b.table} where load_id = {landed[net]}) to stdout with csv", f)
                same.append(f"\\copy {b.table} (load_id, {', '.join(b.columns)}) from '{path}' with csv")
        conn.commit()
        psql_s, psql_cpu, psql_server = psql_copy(url, plain)
        same_s, same_cpu, same_server = psql_copy(url, same)
        cur.execute("drop schema bench cascade")
        cur.execute("delete from raw.loads where snapshot_date = %s and status = 'loading'", (day,))  # cascades
    print(f"  psql \\copy: {psql_s:.1f} s (client CPU {psql_cpu:.1f} s); into the raw tables: {same_s:.1f} s")
    print(f"  server CPU: loads.land {land_server:.1f} s, psql \\copy {psql_server:.1f} s, "
          f"into the raw tables {same_server:.1f} s")
    res.put("load", pages=n_pages, posts=n_posts, land_s=round(land_s, 1), land_cpu_s=round(land_cpu, 1),
            psql_copy_s=round(psql_s, 1), psql_cpu_s=round(psql_cpu, 1), ratio=round(land_s / psql_s, 2),
            land_server_cpu_s=round(land_server, 1), psql_server_cpu_s=round(psql_server, 1),
            cpu_ratio=round((land_cpu + land_server) / (psql_cpu + psql_server), 2),
            raw_psql_copy_s=round(same_s, 1), raw_psql_server_cpu_s=round(same_server, 1),
            raw_ratio=round(land_s / same_s, 2),
            raw_cpu_ratio=round((land_cpu + land_server) / (same_cpu + same_server), 2))


def psql_copy(url: str, commands: list[str]) -> tuple[float, float, float]:
    """One psql running those \\copy commands: wall seconds, psql's CPU, the server's CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server0 = settled_server_cpu()
    started = time.monotonic()
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, *sum((["-c", s] for s in commands), [])], check=True)
    seconds = time.monotonic() - started
    server = settled_server_cpu() - server0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), server


def stage_capacity(url: str, scale: str, res: Results) -> None:
    """Tokens and accounts for a national day inside 2 hours (``gospubliki.capacity``), from the
    requests the seed day's loads recorded (``raw.loads.details``), scaled to the national world's
    pages per network (the seed day itself at ``--scale national``)."""
    from gospubliki import capacity as cap
    from gospubliki.clients import ok_settings, vk_settings
    from gospubliki.clients.telegram import settings as tg_settings
    from gospubliki.extract.telegram_resolve import daily_budget
    from gospubliki.history import seed
    from gospubliki.simulator.config import EmulatorConfig

    measured = {source: cap.Measured.from_details(details, seconds) for source, details, seconds in query(
        url, "select source, details, extract_seconds from raw.loads where snapshot_date = %s "
        "and status = 'validated' order by load_id", (SEED_DAY,))}
    if scale == "national":
        pages = {n: measured[n].pages for n in NETWORKS}
    else:
        world, _, _ = timed("build the national world (its pages per network)", seed.build, "national")
        pages = {n: len(world.pages_on(n)) for n in NETWORKS}
    tg_interval = tg_settings.from_env().channel_interval
    ok_quota = EmulatorConfig().ok_daily_call_budget  # the simulator's assumption: OK publishes none
    plans = {
        "vk": cap.vk_plan(measured["vk"], pages["vk"]),
        "ok": cap.ok_plan(measured["ok"], pages["ok"], rps=ok_settings.ok_rps(), calls_per_day=ok_quota),
        "tg": cap.tg_plan(measured["tg"], pages["tg"], channel_interval=tg_interval,
                          resolves_per_day=daily_budget()),
    }
    limits = {
        "vk": {"rps": cap.VK_RPS_PER_TOKEN, "quota_per_day": cap.VK_WALL_GET_PER_DAY,
               "parallel": vk_settings.vk_parallel()},
        "ok": {"rps": ok_settings.ok_rps(), "quota_per_day": ok_quota, "parallel": ok_settings.ok_parallel()},
        "tg": {"history_per_30s": float(cap.TG_HISTORY_PER_S * 30),
               "channel_interval_s": tg_interval, "resolves_per_day": daily_budget()},
    }
    for net, plan in plans.items():
        m = measured[net]
        figures = {
            "pages": plan.pages, "budget_s": plan.budget_s, "credentials": plan.credentials, "binding": plan.binding,
            "bounds": plan.bounds, "requests": plan.requests, "seconds": plan.seconds, **limits[net],
            "measured_pages": m.pages, "measured_by_method": dict(m.by_method),
            "measured_per_1000": m.per_1000_pages(), "measured_seconds": m.seconds,
        }
        if net == "vk":
            figures |= {"wall_get": plan.quota_calls, "wall_get_measured": plan.quota_measured,
                        "wall_get_per_1000": m.per_1000_pages((m.inner_calls or {}).get("wall.get", 0))}
        if net == "tg":
            r = plan.resolve
            figures |= {"history_requests": plan.extra["history_requests"], "usernames": r.usernames,
                        "resolve_days": r.days, "resolve_accounts_for_week": r.accounts_for_week}
        print(f"  {net}: {plan.credentials} ({plan.bounds}); {plan.requests} requests, {plan.seconds} s", flush=True)
        res.put(f"capacity:{net}", **figures)


# ---------------------------------------------------------------- the document
def _n(x) -> str:
    return f"{x:,}".replace(",", " ")


def _took(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds < 3600 else f"{seconds / 3600:.2f} h"


def _at_once(v: dict) -> str:
    """The reading time with the client's parallel setting (the other tokens are spares that take
    over from a token stopped by its daily quota)."""
    used = min(v["parallel"], v["credentials"])
    return _took(v["seconds"] * v["credentials"] / used) + f" with {used} at once"


def capacity_rows(rows: dict, row) -> None:
    """docs/benchmarks.md rows of the capacity stage (assumptions in the row, where they bite)."""
    if "capacity:vk" in rows:
        v = rows["capacity:vk"]
        by = v["measured_by_method"]
        wall = (f"{v['wall_get_per_1000']} `wall.get` inside them" if v["wall_get_measured"]
                else "`wall.get` not recorded: every execute taken as 25")
        row(f"VK tokens for a national day inside {v['budget_s'] / 3600:g} h",
            f"**{v['credentials']}** ({_n(v['pages'])} pages; measured {v['measured_per_1000']} requests per 1 000 "
            f"pages ({_n(by.get('execute', 0))} execute + {_n(by.get('groups.getById', 0))} groups.getById for "
            f"{_n(v['measured_pages'])} pages), {wall} → {_n(v['requests'])} requests and {_n(v['wall_get'])} "
            f"`wall.get`; rate-bound {v['bounds']['rate']} at {v['rps']} rps a token, quota-bound "
            f"{v['bounds']['quota']} at {_n(v['quota_per_day'])} `wall.get` a token a day; paced reading "
            f"{_at_once(v)} (`GOSPUBLIKI_VK_PARALLEL` {v['parallel']}), server time aside)", v)
    if "capacity:ok" in rows:
        v = rows["capacity:ok"]
        by = ", ".join(f"{k} {_n(n)}" for k, n in v["measured_by_method"].items())
        quota = (f", quota-bound {v['bounds']['quota']} at an assumed {_n(v['quota_per_day'])} calls a token a day "
                 "(the simulator's; OK publishes no figure: check `users.getCallsLeft`)" if "quota" in v["bounds"] else "")
        row(f"OK tokens for a national day inside {v['budget_s'] / 3600:g} h",
            f"**{v['credentials']}** ({_n(v['pages'])} pages; measured {v['measured_per_1000']} requests per 1 000 "
            f"pages ({by} for {_n(v['measured_pages'])} pages; url.getInfo is cached after the first day) → "
            f"{_n(v['requests'])} requests; rate-bound {v['bounds']['rate']} at {v['rps']} rps a token "
            f"(`GOSPUBLIKI_OK_RPS`: no per-second limit is published){quota}; paced reading {_at_once(v)} "
            f"(`GOSPUBLIKI_OK_PARALLEL` {v['parallel']}))", v)
    if "capacity:tg" in rows:
        v = rows["capacity:tg"]
        by = v["measured_by_method"]
        row(f"Telegram accounts for a national day inside {v['budget_s'] / 3600:g} h",
            f"**{v['credentials']}** ({_n(v['pages'])} channels; measured {_n(by.get('GetFullChannelRequest', 0))} "
            f"GetFullChannel + {_n(by.get('GetHistoryRequest', 0))} GetHistory for {_n(v['measured_pages'])} channels → "
            f"{_n(v['requests'])} requests a day, {_n(v['history_requests'])} of them GetHistory; GetHistory-bound "
            f"{v['bounds']['history']} at {v['history_per_30s']:g} per 30 s an account, pacing-bound "
            f"{v['bounds']['pacing']} at one channel per {v['channel_interval_s']:g} s "
            f"(`GOSPUBLIKI_TG_CHANNEL_INTERVAL`); paced reading {_took(v['seconds'])} with every account at once; "
            "resolves not counted: next row)", v)
        row("Telegram: days to resolve every channel's username once, with those accounts",
            f"**{v['resolve_days']}** days ({_n(v['usernames'])} usernames ÷ ({v['credentials']} accounts × "
            f"{v['resolves_per_day']} a day, `GOSPUBLIKI_TG_RESOLVE_DAILY_BUDGET`); within 7 days: "
            f"{v['resolve_accounts_for_week']} accounts)", v)



def stage_demo(res: Results) -> None:
    """``gospubliki demo`` as the README runs it (7 days through Airflow's real scheduler, region 43),
    in a home and a PostgreSQL port of its own, so a fresh warehouse is created as on a new machine:
    wall seconds in all, each run's seconds as the demo prints them, CPU of its process tree (the
    embedded PostgreSQL server, a daemon, is not counted)."""
    import re

    from gospubliki.localports import free_port

    gospubliki = str(Path(sys.executable).with_name("gospubliki"))
    with tempfile.TemporaryDirectory(prefix="gp_bench_demo_") as home:
        port = free_port()
        env = {**os.environ, "GOSPUBLIKI_HOME": home, "GOSPUBLIKI_PG_PORT": str(port)}
        print(f"… gospubliki demo (home {home}, PostgreSQL port {port})", flush=True)
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        try:
            done = subprocess.run([gospubliki, "demo"], env=env, cwd=REPO, capture_output=True, text=True)
        finally:
            subprocess.run([gospubliki, "warehouse", "stop"], env=env, capture_output=True)
        seconds = time.monotonic() - started
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        raise SystemExit(f"gospubliki demo failed (exit {done.returncode})")
    runs = [int(s) for s in re.findall(r"✓ \d{4}-\d\d-\d\d: success in (\d+)s", done.stdout)]
    cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    print(f"  gospubliki demo: {seconds:.1f} s, runs {runs}, CPU {cpu:.1f} s", flush=True)
    res.put("demo", seconds=round(seconds, 1), runs=runs, cpu_s=round(cpu, 1))


def render(data: dict) -> str:
    out = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/bench.py`, docs in its docstring) from "
        "`benchmarks/results.json`; each figure says when, on what machine and by which command "
        "it was measured. The machine is shared (the load average at the start of the run is given): "
        "compare figures of one run side by side, not across runs.",
        "",
    ]
    for scale in ("national", "region"):
        rows = {k.split(":", 1)[1]: v for k, v in data.items() if k.startswith(scale + ":")}
        if not rows:
            continue
        out += [f"## {scale.capitalize()} scale", ""]
        runs = {}
        for v in rows.values():
            runs.setdefault((v["at"][:13], v["command"], json.dumps(v["machine"], ensure_ascii=False)), 0)
        out += ["Measured:", ""]
        for at, command, mach in sorted(runs):
            m = json.loads(mach)
            out.append(f"* {at}…: `{command}` — {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, "
                       f"load average {m['load_avg_1m']}")
        out += ["", "| figure | value | measured |", "|---|---|---|"]

        def row(figure: str, value: str, v: dict, out: list = out) -> None:
            out.append(f"| {figure} | {value} | {v['at']} |")

        if "seed" in rows:
            v = rows["seed"]
            peak = f"; peak memory {v['peak_rss_mb']} MB (simulator in the same process)" if "peak_rss_mb" in v else ""
            row("one simulated day through the real extractors + GX validation (the history's seed)",
                f"{v['seconds']} s for {v['pages']} pages + {v['posts']} posts (world and registry {v['world_seconds']} s)"
                f"{peak}", v)
        for key in sorted((k for k in rows if k.startswith("history:")), key=lambda k: int(k.split(":")[1])):
            v = rows[key]
            rows_text = _n(v["rows"])
            row(f"history generate, {v['days_generated']} days", f"{v['seconds']} s ({v['per_day_seconds']} s a day), "
                f"{rows_text} rows", v)
        for key in sorted((k for k in rows if k.startswith("dbt:")), key=lambda k: int(k.split(":")[1])):
            v = rows[key]
            one_thread = ", the full refresh one model at a time" if v.get("full_refresh_threads") == 1 else ""
            row(f"`dbt build` incremental vs `--full-refresh`, {v['days']} days of history + 1 new{one_thread}",
                f"{v['incremental_s']} s vs {v['full_refresh_s']} s ({v['ratio']}×)", v)
            if v.get("slowest_nodes"):
                row(f"the incremental build's slowest nodes, {v['days']} + 1 days",
                    ", ".join(f"`{name}` {secs} s" for name, secs in v["slowest_nodes"]), v)
            row(f"a build with nothing new to do, {v['days']} + 1 days", f"{v['nothing_to_do_s']} s", v)
        storage = sorted((k for k in rows if k.startswith("storage:") and k not in ("storage:payload", "storage:archive")),
                         key=lambda k: int(k.split(":")[1]))
        for key in storage:
            v = rows[key]
            row(f"warehouse size with {v['days']} days", f"{v['database_mb']} MB (raw {v['raw_mb']} MB, marts {v['marts_mb']} MB)", v)
        # growth between the first and last sizes of one run (the same command, the same day): sizes
        # of two runs (maybe two commits) are not subtracted from each other
        runs: dict[tuple[str, str], list[str]] = {}
        for key in storage:
            runs.setdefault((rows[key].get("command", ""), rows[key].get("at", "")[:10]), []).append(key)
        for keys in (k for k in runs.values() if len(k) >= 2):
            a, b = rows[keys[0]], rows[keys[-1]]
            per_day = (b["database_mb"] - a["database_mb"]) / (b["days"] - a["days"])
            raw_day = (b["raw_mb"] - a["raw_mb"]) / (b["days"] - a["days"])
            row(f"warehouse growth per day ({a['days']} → {b['days']} days, generated days: no payloads)",
                f"{per_day:.1f} MB a day (raw {raw_day:.1f} MB) → {per_day * 365 / 1024:.1f} GB a year", b)
            marts_day = (b["marts_mb"] - a["marts_mb"]) / (b["days"] - a["days"])
            row(f"warehouse growth per day once raw rows leave it after their retention (the marts, {a['days']} → "
                f"{b['days']} days)", f"{marts_day:.1f} MB a day → {marts_day * 365 / 1024:.1f} GB a year", b)
        if "storage:archive" in rows:
            v = rows["storage:archive"]
            after = v["after"]
            per_day = f" ({v['file_mb'] / v['days_archived']:.1f} MB a day)" if v["days_archived"] else ""
            row(f"raw months archived out of the warehouse on {v['today']} (retention {v['retention_days']} days)",
                f"{v['months']} months, {v['days_archived']} days, {_n(v['rows'])} rows: "
                f"{v['in_warehouse_mb']} MB in the warehouse → {v['file_mb']} MB of gzip CSV files{per_day} in "
                f"{v['seconds']} s; the warehouse after: {after['database_mb']} MB (raw {after['raw_mb']} MB, "
                f"marts {after['marts_mb']} MB)", v)
        if "storage:payload" in rows:
            v = rows["storage:payload"]
            row("API payloads of one real day (kept for the payload retention, then dropped)",
                f"{v['payload_mb_per_real_day']} MB", v)
        if "load" in rows:
            v = rows["load"]
            row(f"`loads.land` vs `psql \\copy`, {v['pages']:,} pages + {v['posts']:,} posts".replace(",", " ")
                .replace("`  ", "`, "),
                f"{v['land_s']} s vs {v['psql_copy_s']} s ({v['ratio']}×); client CPU {v['land_cpu_s']} s vs "
                f"{v['psql_cpu_s']} s; server CPU {v.get('land_server_cpu_s')} s vs {v.get('psql_server_cpu_s')} s; "
                f"CPU in all {v.get('cpu_ratio')}×", v)
            if "raw_ratio" in v:
                row("the same, against `psql \\copy` into the raw tables themselves (month partitions, under a "
                    "new load)", f"{v['land_s']} s vs {v['raw_psql_copy_s']} s ({v['raw_ratio']}×); server CPU "
                    f"{v['land_server_cpu_s']} s vs {v['raw_psql_server_cpu_s']} s; CPU in all {v['raw_cpu_ratio']}×", v)
        capacity_rows(rows, row)
        if "demo" in rows:
            v = rows["demo"]
            # runs_summary: a figure whose per-run seconds were not kept (measured before results.json was committed)
            runs = v.get("runs_summary") or {"count": len(v["runs"]), "total": sum(v["runs"]),
                                             "min": min(v["runs"], default=0), "max": max(v["runs"], default=0)}
            row(f"`gospubliki demo` (what `make demo` runs): {runs['count']} days through the real scheduler, "
                "fresh warehouse", f"{v['seconds']} s in all; the runs {runs['total']} s "
                f"({runs['min']}–{runs['max']} s a run); CPU {v['cpu_s']} s", v)
        out.append("")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", default="all", help=f"comma-separated: {', '.join(STAGES)} (default: all)")
    parser.add_argument("--scale", default="region", choices=("region", "national"))
    parser.add_argument("--days", default="1,30", help="history lengths for the dbt and storage rows (e.g. 1,30,365)")
    parser.add_argument("--load-rows", default="national", choices=("national", "seed"),
                        help="load stage: 89 000 pages + 48 000 posts replicated from the seed day's rows "
                        "(default), or the seed day's rows as they are")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)
    stages = set(STAGES) if args.stages == "all" else set(args.stages.split(","))
    if stages - set(STAGES):
        parser.error(f"unknown stage(s): {', '.join(sorted(stages - set(STAGES)))}")
    days_list = sorted(int(d) for d in args.days.split(","))
    command = "python benchmarks/bench.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    res = Results(command.strip(), args.scale)
    if "demo" in stages:  # a warehouse of its own: before the scratch database, alone on the machine
        stage_demo(res)
    if stages - {"demo"}:
        with scratch_database(args.keep) as url:
            prepare(url, args.scale, res, validate=stages != {"load"})  # the load stage needs rows, not GX
            if "capacity" in stages:  # the seed day's loads, before any stage touches them
                stage_capacity(url, args.scale, res)
            if stages & {"history", "dbt", "storage"}:
                if "history" in stages and not stages & {"dbt", "storage"}:
                    generate(url, max(days_list) + 1, res)
                else:
                    stage_dbt_and_storage(url, days_list, stages, res)
            if "load" in stages:
                stage_load(url, args.load_rows == "national", res)
    DOC.write_text(render(res.data))
    print(f"wrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
