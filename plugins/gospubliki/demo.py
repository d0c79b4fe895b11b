"""``gospubliki demo``: the whole platform on one machine, with simulated networks.

1. start the embedded warehouse (or use ``GOSPUBLIKI_WAREHOUSE_URL``);
2. build a simulated world (default: one region, ~2 000 pages), write its registry CSV with a few
   malformed rows, load the reference data and import the registry (the bad rows are rejected
   with reasons);
3. serve the simulated VK and OK APIs on 127.0.0.1 and point the Airflow connections at them
   (Telegram: the real telethon client over the simulator's fake MTProto transport);
4. generate the weeks before the first day (``history/``: one simulated day, the earlier ones
   derived in SQL — seconds), so the rating's dynamics compare with real previous weeks;
5. run the real daily DAG for each of the last N days: an Airflow backfill executed by the real
   scheduler (LocalExecutor), so the runs and their task logs are in the UI (``make ui``);
6. print the national summary and one region's rating table, and where to look next.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gospubliki import airflow_env, settings
from gospubliki.terminal import make_console


@dataclass
class DemoOptions:
    days: int = 7
    scale: str = "region"
    region: str = "43"
    seed: int = 1
    bad_rows: int = 4
    last_day: date = field(default_factory=lambda: date.today() - timedelta(days=1))
    fault_day: date | None = None  # the simulator reports negative member counts on that day
    vk_tokens: tuple[str, ...] = ("sim-vk-1", "sim-vk-2")
    factor: float | None = None  # the simulated world's size (None: the scale's default)
    history_days: int = 15  # generated before the first DAG day, so the rating has previous weeks


def demo_dir() -> Path:
    path = settings.home() / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


def prepare(opts: DemoOptions, console: Console):
    """Warehouse, reference data, simulated registry. Returns the world."""
    from gospubliki.reference.load import load_reference
    from gospubliki.registry.importer import import_registry
    from gospubliki.simulator.registry import synthetic_municipalities, write_registry_csv
    from gospubliki.simulator.scale import Scale
    from gospubliki.simulator.world import build_world
    from gospubliki.warehouse import bi_role, db, server

    with console.status("starting the warehouse …"):
        st = server.start()
        db.apply_schema()
        bi_role.ensure()
    console.print(f"[green]✓[/] warehouse: {st.url}")

    with console.status(f"building the simulated world ({opts.scale}) …"):
        world = build_world(Scale.from_name(opts.scale, region=opts.region, factor=opts.factor), seed=opts.seed)
        registry_csv = demo_dir() / "registry.csv"
        write_registry_csv(registry_csv, world, bad_rows=opts.bad_rows)
        load_reference(extra_municipalities=synthetic_municipalities(world))
        # the demo's registry is its simulated world's, whatever a previous demo (e.g. national) left
        report = import_registry(registry_csv, allow_shrink=True)
    console.print(
        f"[green]✓[/] registry {registry_csv}: {report.rows_total} rows → {report.institutions} institutions, "
        f"pages: " + ", ".join(f"{k} {v}" for k, v in report.pages_by_network.items())
    )
    if report.rejects:
        console.print(f"  [yellow]{len(report.rejects)} rows rejected[/] (kept in registry.rejects):")
        for r in report.rejects:
            console.print(f"    row {r.row_number}: {r.reason}")
    return world, report


def connections(url_template: str, opts: DemoOptions) -> dict[str, str]:
    """Airflow connections of the simulated networks at ``url_template`` (``simulator/connections.py``)."""
    from gospubliki.simulator.connections import simulated_connections, world_spec

    return simulated_connections(url_template, world_spec(opts.scale, opts.region, opts.seed, opts.factor),
                                 vk_tokens=opts.vk_tokens)


def generate_history(world, opts: DemoOptions, console: Console) -> None:
    """The ``history_days`` days before the first DAG day: one extracted and published from the
    simulator, the rest generated in SQL (``gospubliki history generate``)."""
    from gospubliki.history.seed import fill

    seed_day = opts.last_day - timedelta(days=opts.days)
    with console.status(f"generating {opts.history_days} days of history up to {seed_day} …"):
        history = fill(world, opts.history_days, seed_day, seed=opts.seed, validate=False, say=lambda _: None)
    console.print(
        f"[green]✓[/] history {seed_day - timedelta(days=opts.history_days - 1)} … {seed_day}: "
        f"{len(history.days)} days generated from the simulated {seed_day} in {history.seconds:.0f}s"
    )


def run_days(opts: DemoOptions, console: Console) -> list:
    """The daily DAG for each day, as Airflow's own backfill run by the real scheduler
    (``airflow_stack.backfill``): the runs, their durations and task logs are the UI's
    (``make ui``, same metadata database ``gospubliki_airflow``)."""
    from gospubliki import airflow_stack

    first = opts.last_day - timedelta(days=opts.days - 1)
    with Progress(
        TextColumn("[bold]daily DAG[/]"), BarColumn(), TextColumn("{task.completed}/{task.total} days"),
        TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
    ) as progress:
        task = progress.add_task("starting Airflow (scheduler, dag-processor, api-server) …", total=opts.days)

        def show(run) -> None:
            progress.advance(task)
            mark = "[green]✓[/]" if run.ok else "[red]✗[/]"
            progress.console.print(f"  {mark} {run.snapshot_date}: {run.state} in {run.seconds:.0f}s   "
                                   f"task logs: {run.log_dir}")
            following = run.snapshot_date + timedelta(days=1)
            if following <= opts.last_day:
                progress.update(task, description=f"snapshot {following}")

        return airflow_stack.backfill(first, opts.last_day, on_run=show, say=progress.console.print,
                                      on_start=lambda: progress.update(task, description=f"snapshot {first}"))


def minimum_requests(network: str, pages: int) -> int:
    """The fewest API requests a day's extraction of ``pages`` pages can make (docs/operations.md)."""
    if network == "vk":  # groups.getById by 500 + wall.get 25 per execute
        return math.ceil(pages / 500) + math.ceil(pages / 25)
    if network == "ok":  # group.getInfo by 100 + one mediatopic.getTopics per group
        return math.ceil(pages / 100) + pages
    return 2 * pages  # Telegram: GetFullChannel + one GetHistory page per channel


def print_loads(days: list[date], console: Console) -> None:
    """Per network and day: the load, its status, rows, requests vs the minimum, extraction time."""
    from rich.table import Table

    from gospubliki.warehouse import db

    with db.connect() as conn, conn.cursor() as cur:
        cur.execute("select network, count(*) from registry.pages group by network")
        pages = dict(cur.fetchall())
        cur.execute(
            """select distinct on (source, snapshot_date) source, snapshot_date, load_id, status, rows,
                      coalesce((details->>'posts')::int, 0), requests, extract_seconds
               from raw.loads where snapshot_date = any(%s)
               order by source, snapshot_date, load_id desc""",
            (days,),
        )
        rows = cur.fetchall()
    table = Table(title="Raw loads (requests vs the minimum for the registry's pages)")
    for col in ("network", "date", "load", "status", "rows", "posts", "requests", "minimum", "extract s"):
        table.add_column(col, justify="left" if col in ("network", "status") else "right")
    for source, day, load_id, status, nrows, posts, requests, secs in sorted(rows, key=lambda r: (r[1], r[0])):
        colour = "green" if status == "validated" else "red"
        table.add_row(source, str(day), str(load_id), f"[{colour}]{status}[/]", str(nrows), str(posts),
                      str(requests), str(minimum_requests(source, pages.get(source, 0))), f"{secs or 0:.1f}")
    console.print(table)


def run_demo(opts: DemoOptions, console: Console | None = None) -> bool:
    from gospubliki.reports import summary
    from gospubliki.simulator.config import Faults
    from gospubliki.simulator.server import start_in_thread

    console = console or make_console()
    started = time.monotonic()
    world, _report = prepare(opts, console)
    if opts.history_days:
        generate_history(world, opts, console)
    faults = Faults(negative_members_on={opts.fault_day} if opts.fault_day else set())
    with start_in_thread(world, faults=faults) as sim:
        console.print(f"[green]✓[/] simulated VK and OK APIs on {sim.base_url}; simulated Telegram accounts")
        airflow_env.apply(connections(sim.url_template, opts))
        results = run_days(opts, console)
    print_loads([r.snapshot_date for r in results], console)
    summary.print_national(console)
    summary.print_rating(console, region_code=opts.region)
    ok = all(r.ok for r in results)
    console.print(f"\n[bold]{'done' if ok else 'finished with failed runs'}[/] in {time.monotonic() - started:.0f}s")
    summary.print_next_steps(console)
    return ok
