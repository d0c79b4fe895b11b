"""``gospubliki history``: fill the warehouse with generated history (plugins/gospubliki/history/)."""

from __future__ import annotations

import time
from datetime import timedelta

import typer

from gospubliki.terminal import make_console

console = make_console(soft_wrap=True)
history_app = typer.Typer(help="Generated history for benchmarks and demos.", no_args_is_help=True)


@history_app.command("generate")
def history_generate(
    days: int = typer.Option(..., "--days", min=1, help="Days of history ending with the seed day (the seed day counts)."),
    end: str = typer.Option(None, "--end", help="The seed day YYYY-MM-DD (default: the latest day with real validated loads; "
                            "with --scale: yesterday in Moscow)."),
    scale: str = typer.Option(None, "--scale", help="region | national: when the seed day has no validated loads yet, "
                              "build this simulated world, import its registry and extract the seed day from it."),
    region: str = typer.Option("43", "--region", help="Region code of --scale region."),
    seed: int = typer.Option(1, "--seed", help="World seed and drift seed: the same seed gives the same rows."),
    validate: bool = typer.Option(True, "--validate/--no-validate", help="Validate the simulated seed day with "
                                  "Great Expectations (the daily DAG's path) or publish it directly."),
) -> None:
    """Generate DAYS days of history: one real day (the seed: extracted from the simulator when
    --scale is given and it is missing) and the DAYS−1 days before it derived in SQL, each registered
    as a validated load flagged ``details.generated``. Days that already have a validated load keep it.

    \b
    gospubliki history generate --days 30 --scale region            # a month of one region, seconds
    gospubliki history generate --days 365 --scale national         # a year of the country, minutes
    gospubliki history generate --days 60 --end 2026-11-01          # from a day already loaded
    """
    from gospubliki.dates import parse_date, today_in_moscow
    from gospubliki.history import generate as gen
    from gospubliki.history import seed as seed_day
    from gospubliki.warehouse import db, server

    server.start()
    db.apply_schema()
    day = parse_date(end) if end else None
    started = time.monotonic()

    def progress(d, done, total):
        if done == total or done % max(1, total // 20) == 0:
            console.print(f"  {done}/{total} days generated (down to {d}), {time.monotonic() - started:.0f}s", highlight=False)

    if scale is not None:
        day = day or today_in_moscow() - timedelta(days=1)
        world = None
        if not gen.has_seed(day):
            console.print(f"building the simulated world ({scale}, seed {seed}) and importing its registry …")
            world = seed_day.build(scale, region=region, seed=seed)
            seed_day.import_world(world)
        history = seed_day.fill(world, days, day, seed=seed, validate=validate, say=console.print, progress=progress)
    else:
        history = gen.generate(days, end=day, seed=seed, progress=progress)
    total = sum(history.rows.values())
    console.print(
        f"[green]✓[/] {len(history.days)} days generated before the seed day {history.seed_day} "
        f"(loads {history.seed_loads}): {total} rows "
        + ", ".join(f"{t} {n}" for t, n in sorted(history.rows.items()))
        + (f"; {len(history.kept)} network-days kept (already validated)" if history.kept else "")
        + f" in {time.monotonic() - started:.1f}s",
        highlight=False,
    )
