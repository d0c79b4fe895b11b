"""The ``gospubliki`` command: the platform's tools for data engineers.

Every command works on the embedded warehouse by default (a local PostgreSQL the project starts
itself) or on the server named by ``GOSPUBLIKI_WAREHOUSE_URL``. ``gospubliki COMMAND --help``
explains each command; docs/cli.md has examples.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, timedelta
from pathlib import Path

import typer

from gospubliki import settings
from gospubliki.cli_bi import bi_app
from gospubliki.cli_errors import GuardedTyper
from gospubliki.cli_history import history_app
from gospubliki.cli_telegram import telegram_app
from gospubliki.terminal import make_console

console = make_console()
# user errors (bad date, region, file, stopped warehouse…) become one line + exit 2: cli_errors.py
app = GuardedTyper(
    help="Госпаблики: monitoring of official pages of public bodies on VK, OK and Telegram.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
)
warehouse_app = typer.Typer(help="The embedded PostgreSQL warehouse (start/stop/status).", no_args_is_help=True)
registry_app = typer.Typer(help="The registry of institutions and their pages.", no_args_is_help=True)
simulator_app = typer.Typer(help="The simulated networks for demos, tests and benchmarks.", no_args_is_help=True)
extract_app = typer.Typer(help="Run one extraction + raw load without Airflow (for engineers).", no_args_is_help=True)
dbt_app = typer.Typer(help="Build the dbt project (staging → intermediate → marts).", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(registry_app, name="registry")
app.add_typer(simulator_app, name="simulator")
app.add_typer(extract_app, name="extract")
app.add_typer(dbt_app, name="dbt")
rating_app = typer.Typer(help="Ratings of municipalities (methodology as data: docs/rating-methodology.md).")
app.add_typer(rating_app, name="rating")
app.add_typer(bi_app, name="bi")
app.add_typer(telegram_app, name="telegram")
app.add_typer(history_app, name="history")


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logs.")) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("urllib3", "great_expectations", "vk_api", "matplotlib", "telethon", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _date(value: str | None) -> date:
    """A snapshot date from the command line (default: yesterday in Moscow); never in the future."""
    from gospubliki.dates import check_snapshot_date, parse_date, today_in_moscow

    day = parse_date(value) if value else today_in_moscow() - timedelta(days=1)
    return check_snapshot_date(day, live=False)  # the live horizon is checked per network


# ---------------------------------------------------------------- warehouse
@warehouse_app.command("start")
def warehouse_start() -> None:
    """Start the embedded PostgreSQL on 127.0.0.1 (reuses a running one) and create the schemas."""
    from gospubliki.warehouse import bi_role, db, server

    st = server.start()
    db.apply_schema()
    bi_role.ensure()
    console.print(st.describe())


@warehouse_app.command("init")
def warehouse_init() -> None:
    """Create the schemas and load the reference data on the configured warehouse (idempotent).

    For an existing server (GOSPUBLIKI_WAREHOUSE_URL), e.g. the compose deployment's init step.
    """
    from gospubliki.reference.load import load_reference
    from gospubliki.warehouse import bi_role, db, privileges, server

    server.start()  # the embedded warehouse, as every other command starts it (no-op for an external URL)
    check = privileges.require_pipeline_privileges(settings.warehouse_url())  # InsufficientPrivileges: exit 2
    for warning in check.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    db.apply_schema()
    counts = load_reference()
    bi_role.ensure()
    console.print(f"schemas ready; reference data: {counts}; BI logins: gospubliki bi add-user NAME")


@warehouse_app.command("stop")
def warehouse_stop() -> None:
    """Stop the embedded PostgreSQL (no-op if it is not running)."""
    from gospubliki.warehouse import server

    console.print(server.stop().describe())


@warehouse_app.command("status")
def warehouse_status() -> None:
    """Show whether the warehouse runs, its URL (password hidden) and data folder."""
    from gospubliki.warehouse import server

    st = server.status()
    console.print(st.describe())
    raise typer.Exit(0 if st.running else 3)


@warehouse_app.command("prune")
def warehouse_prune(
    network: str = typer.Option(None, help="Only this network (vk, ok, tg); default: every network."),
    stale_hours: float = typer.Option(
        None, "--stale-hours", min=0, help="Fail loads left 'loaded' this long (default GOSPUBLIKI_STALE_LOAD_HOURS, 6)."
    ),
    retention_days: float = typer.Option(
        None, "--retention-days", min=0,
        help="Delete the raw rows of loads failed this long ago (default GOSPUBLIKI_FAILED_LOAD_RETENTION_DAYS, 14).",
    ),
) -> None:
    """Finish abandoned loads ('loaded' by a run that died -> 'failed' with the reason) and delete
    the raw rows of old failed loads (their raw.loads rows stay). Each run of a network does the
    same for its own loads; docs/operations.md."""
    from gospubliki.orchestration.networks import NETWORKS
    from gospubliki.warehouse import loads

    if network is not None and network not in NETWORKS:
        console.print(f"[red]error:[/] unknown network {network!r}; known: {', '.join(NETWORKS)}", soft_wrap=True)
        raise typer.Exit(2)
    stale = loads.fail_stale(network, older_than=None if stale_hours is None else timedelta(hours=stale_hours))
    pruned = loads.prune(network, older_than=None if retention_days is None else timedelta(days=retention_days))
    for s in stale:
        console.print(f"load {s.load_id} ({s.source}, {s.snapshot_date}) {s.status} -> failed: {s.reason}")
    for p in pruned:
        console.print(f"load {p.load_id} ({p.source}, {p.status}): raw rows deleted {p.rows}")
    console.print(f"{len(stale)} abandoned loads failed; raw rows of {len(pruned)} loads deleted")


@warehouse_app.command("archive-raw")
def warehouse_archive_raw(
    retention_days: int = typer.Option(
        None, "--retention-days", min=35,
        help="Archive months that ended this many days before the newest validated snapshot date "
        "(default GOSPUBLIKI_RAW_RETENTION_DAYS, 92).",
    ),
    list_only: bool = typer.Option(False, "--list", help="Only list what is archived (nothing is written)."),
) -> None:
    """Move raw month partitions past their retention out of the warehouse, into gzip'd CSV files
    under GOSPUBLIKI_ARCHIVE_DIR (the daily DAG's retention task does it); `restore-raw` brings
    them back. docs/operations.md, «Storage and retention»."""
    from gospubliki.warehouse import archive

    if not list_only:
        done, skipped = archive.archive_raw(retention_days)
        for a in done:
            console.print(f"{a.table} {a.month:%Y-%m}: {a.rows} rows -> {a.file} ({a.bytes / 1e6:.1f} MB)",
                          markup=False, highlight=False, soft_wrap=True)
        for s in skipped:
            console.print(f"{s.month:%Y-%m} kept: {s.reason}", markup=False, highlight=False, soft_wrap=True)
        console.print(f"{len(done)} partitions archived, {len(skipped)} months kept")
    months = archive.archived_months()
    console.print("archived months: " + (", ".join(f"{m:%Y-%m}" for m in months) or "none")
                  + f" (files under {archive.archive_dir()})", markup=False, highlight=False, soft_wrap=True)


@warehouse_app.command("restore-raw")
def warehouse_restore_raw(
    month: list[str] = typer.Option(None, "--month", help="YYYY-MM; repeat for several (default: every archived month)."),
) -> None:
    """Bring archived raw months back into the warehouse (before a dbt full refresh, or a re-run of
    an old date); each file is checked against its SHA-256 and row count."""
    from gospubliki.warehouse import archive

    months = [archive.parse_month(m) for m in month] if month else None
    restored = archive.restore_raw(months)
    for r in restored:
        console.print(f"{r.table} {r.month:%Y-%m}: {r.rows} rows restored", markup=False, highlight=False)
    console.print(f"{len(restored)} archive files restored")


# ---------------------------------------------------------------- registry
@registry_app.command("import")
def registry_import(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Registry CSV (columns: docs/registry.md)."),
    show_rejects: int = typer.Option(20, help="How many rejected rows to print."),
    allow_shrink: bool = typer.Option(
        False, "--allow-shrink",
        help="Accept a file that drops more than GOSPUBLIKI_REGISTRY_MAX_SHRINK (20 %) of the institutions or "
        "of one network's pages.",
    ),
    strict: bool = typer.Option(False, "--strict", help="Refuse the whole file if any row is rejected."),
) -> None:
    """Import the registry CSV (replaces the current registry); bad rows are rejected with a reason.

    Exit code 0: imported, no row rejected; 1: imported, some rows rejected (listed; the other rows
    loaded); 2: refused, the registry is unchanged — a file that gives no valid institution, one
    that would shrink the registry by more than the allowed share (unless --allow-shrink), any
    rejected row with --strict, or a file that cannot be read (encoding, columns).
    UTF-8 (with or without BOM), UTF-16 with BOM and Windows-1251 files are read as they are.
    """
    from gospubliki.reference.load import load_reference
    from gospubliki.registry.importer import RegistryRefused, import_registry
    from gospubliki.warehouse import server

    server.start()
    load_reference()
    try:
        report = import_registry(path, allow_shrink=allow_shrink, strict=strict)
    except RegistryRefused as exc:  # show the rejected rows, then the one-line refusal (exit 2)
        _print_rejects(exc.report.rejects, show_rejects, kept=False)
        raise
    console.print(
        f"import {report.import_id} ({report.encoding}): {report.rows_total} rows → {report.institutions} "
        f"institutions, {report.pages} pages "
        f"({', '.join(f'{k} {v}' for k, v in report.pages_by_network.items())}), "
        f"[bold]{len(report.rejects)} rejected[/bold]"
    )
    _print_rejects(report.rejects, show_rejects)
    if report.rejects:
        console.print(f"imported with {len(report.rejects)} rejected rows (exit code 1)")
        raise typer.Exit(1)


def _print_rejects(rejects: list, show: int, kept: bool = True) -> None:
    for r in rejects[:show]:
        console.print(f"  row {r.row_number} ({r.row.get('institution_id') or '?'}): {r.reason}", markup=False)
    if len(rejects) > show:
        console.print(f"  … {len(rejects) - show} more" + (" in registry.rejects" if kept else ""))


# ---------------------------------------------------------------- dbt
@dbt_app.command("build")
def dbt_build(
    select: list[str] = typer.Option(
        None, "--select", "-s", help="dbt selector, e.g. 'marts'; several as dbt takes them: --select a b, "
        "--select 'a b' or --select a --select b.",
    ),
    more: list[str] = typer.Argument(None, hidden=True, metavar="SELECTOR"),  # `b` of `--select a b`
    full_refresh: bool = typer.Option(
        False, "--full-refresh",
        help="Rebuild the selected incremental models from all of history instead of adding new dates, "
        "one model at a time (two large models side by side spill their sorts to disk at once: "
        "docs/operations.md, «Storage and retention»).",
    ),
) -> None:
    """dbt build: run and test every model (staging, intermediate, marts). With --select, the
    upstream models and seeds that do not exist yet are built too (a fresh warehouse)."""
    from gospubliki.errors import BadValue
    from gospubliki.transform import dbt

    if more and not select:
        raise BadValue(f"unexpected argument {more[0]!r}: selectors follow --select")
    select = [*(select or []), *(more or [])] or None
    with _dbt_failures_as_lines():
        dbt.build(select=select, with_missing_parents=True, full_refresh=full_refresh,
                  threads=1 if full_refresh else None)
    console.print("dbt build: done")


@contextlib.contextmanager
def _dbt_failures_as_lines():
    """A failed dbt command prints what failed, one line each (not a traceback; dbt's log has the
    rest), and exits with 1."""
    from gospubliki.transform import dbt

    try:
        yield
    except dbt.DbtFailed as exc:
        typer.echo("\n".join(exc.lines(one_line_each=True)), err=True)
        raise typer.Exit(1) from None


@dbt_app.command("parse")
def dbt_parse(quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success.")) -> None:
    """dbt parse: write target/manifest.json (the DAG renders dbt tasks from it)."""
    from gospubliki.transform import dbt

    with _dbt_failures_as_lines():
        dbt.parse()
    if not quiet:
        console.print(f"manifest: {dbt.DBT_PROJECT_DIR / 'target' / 'manifest.json'}")


@dbt_app.command("docs")
def dbt_docs() -> None:
    """dbt docs generate: documentation site for BI users (open target/index.html)."""
    from gospubliki.transform import dbt

    with _dbt_failures_as_lines():
        dbt.run_dbt(["docs", "generate"])
    console.print(f"open {dbt.DBT_PROJECT_DIR / 'target' / 'index.html'}")


# ---------------------------------------------------------------- simulator
@simulator_app.command("serve")
def simulator_serve(
    scale: str = typer.Option("region", help="'region' (one region, ~2 000 pages) or 'national' (~89 000 pages)."),
    region: str = typer.Option("43", help="Region code for --scale region."),
    seed: int = typer.Option(1, help="Seed of the deterministic world."),
    port: int = typer.Option(8765, help="Port on 127.0.0.1."),
    factor: float = typer.Option(None, help="Size of the simulated world (default: the scale's; tests use 0.3)."),
) -> None:
    """Serve the simulated VK and OK APIs on 127.0.0.1 until Ctrl+C.

    Point the client at it with GOSPUBLIKI_VK_API_URL=http://127.0.0.1:PORT/asof/{snapshot_date}
    and GOSPUBLIKI_VK_TOKENS=sim-vk-1,sim-vk-2 (OK: the same base URL). `gospubliki ui` runs it as a service.
    """
    from gospubliki.simulator.scale import Scale
    from gospubliki.simulator.server import serve
    from gospubliki.simulator.world import build_world

    world = build_world(Scale.from_name(scale, region=region, factor=factor), seed=seed)
    console.print(f"simulated VK and OK APIs on http://127.0.0.1:{port} ({len(world.pages)} pages); Ctrl+C stops it")
    serve(world, port=port)


@simulator_app.command("registry")
def simulator_registry(
    out: Path = typer.Option(Path("registry.csv"), help="Where to write the registry CSV."),
    scale: str = typer.Option("region", help="'region' or 'national'."),
    region: str = typer.Option("43", help="Region code for --scale region."),
    seed: int = typer.Option(1, help="Seed of the deterministic world."),
    bad_rows: int = typer.Option(0, help="Append this many malformed rows (to see rejects)."),
) -> None:
    """Write the simulated world's registry as CSV (the format of docs/registry.md)."""
    from gospubliki.simulator.registry import write_registry_csv
    from gospubliki.simulator.scale import Scale
    from gospubliki.simulator.world import build_world

    world = build_world(Scale.from_name(scale, region=region), seed=seed)
    rows = write_registry_csv(out, world, bad_rows=bad_rows)
    console.print(f"{out}: {rows} rows")


# ---------------------------------------------------------------- extract
def _extract(network: str, day: str | None, validate: bool, force_past: bool) -> None:
    from gospubliki.warehouse import server

    snapshot = _date(day)
    server.start()
    if network == "vk":
        from gospubliki.extract.vk import run_vk_extraction as run_extraction
    elif network == "ok":
        from gospubliki.extract.ok import run_ok_extraction as run_extraction
    else:
        from gospubliki.extract.telegram import run_tg_extraction as run_extraction
    result = run_extraction(snapshot, force_past=force_past or None)
    console.print(f"{network} load {result.load_id} ({snapshot}): " + ", ".join(f"{t} {n}" for t, n in result.rows.items()))
    if result.quarantine.get("rows"):
        console.print(f"  quarantined (raw.quarantine): {result.quarantine['by_reason']}")
    if validate:
        _validate(result.load_id)


_DATE_HELP = "Snapshot date YYYY-MM-DD (default: yesterday); never in the future."
_VALIDATE_HELP = "Validate with Great Expectations and publish the load."
_FORCE_PAST_HELP = (
    "Collect a date beyond the horizon (GOSPUBLIKI_SNAPSHOT_HORIZON_DAYS, 2) from a live API anyway: "
    "it stores TODAY's members and counters under that date (docs/operations.md, Backfills)."
)


@extract_app.command("vk")
def extract_vk(
    day: str = typer.Option(None, "--date", help=_DATE_HELP),
    validate: bool = typer.Option(True, help=_VALIDATE_HELP),
    force_past: bool = typer.Option(False, "--force-past", help=_FORCE_PAST_HELP),
) -> None:
    """VK: tokens and API URL from GOSPUBLIKI_VK_TOKENS / GOSPUBLIKI_VK_API_URL (docs/configuration.md)."""
    _extract("vk", day, validate, force_past)


@extract_app.command("ok")
def extract_ok(
    day: str = typer.Option(None, "--date", help=_DATE_HELP),
    validate: bool = typer.Option(True, help=_VALIDATE_HELP),
    force_past: bool = typer.Option(False, "--force-past", help=_FORCE_PAST_HELP),
) -> None:
    """OK: application key/secret and token from GOSPUBLIKI_OK_* (docs/configuration.md)."""
    _extract("ok", day, validate, force_past)


@extract_app.command("tg")
def extract_tg(
    day: str = typer.Option(None, "--date", help=_DATE_HELP),
    validate: bool = typer.Option(True, help=_VALIDATE_HELP),
    force_past: bool = typer.Option(False, "--force-past", help=_FORCE_PAST_HELP),
) -> None:
    """Telegram: api id/hash and account sessions from GOSPUBLIKI_TG_* (docs/configuration.md)."""
    _extract("tg", day, validate, force_past)


def _validate(load_id: int) -> None:
    from gospubliki.quality import ValidationFailed, check_and_publish

    try:
        outcome = check_and_publish(load_id)
    except ValidationFailed as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    console.print(f"[green]validated[/] load {load_id}: {outcome.evaluated} expectations passed; published")


# ---------------------------------------------------------------- runs and reports
@app.command("run")
def run(
    start: str = typer.Option(None, help="First snapshot date (default: yesterday)."),
    end: str = typer.Option(None, help="Last snapshot date (default: --start)."),
    force_past: bool = typer.Option(False, "--force-past", help=_FORCE_PAST_HELP),
) -> None:
    """Run the daily DAG for each snapshot date from --start to --end as an Airflow backfill: the
    scheduler runs the days one at a time, and the runs and their task logs are in the Airflow UI.

    Dates in the future are refused; live networks refuse dates beyond the horizon unless --force-past."""
    from gospubliki import airflow_env, airflow_stack
    from gospubliki.dates import today_in_moscow
    from gospubliki.errors import BadValue
    from gospubliki.warehouse import server

    first = _date(start)
    last = _date(end) if end else first
    if last < first:
        raise BadValue(f"--end {last} is before --start {first}")
    if last >= today_in_moscow():
        raise BadValue(f"snapshot date {last} is today: its run is due at 03:00 Moscow time tomorrow "
                       "(a backfill runs past days only)")
    server.start()  # the embedded warehouse (no-op for an external URL); it also holds Airflow's metadata
    airflow_env.apply()

    def show(result) -> None:
        console.print(f"{result.snapshot_date}: {result.state} in {result.seconds:.0f}s  (log {result.log_dir})")

    console.print(f"backfill of {first}..{last} through the Airflow scheduler (runs and logs in the UI)")
    results = airflow_stack.backfill(first, last, force_past=force_past, on_run=show, say=console.print)
    raise typer.Exit(0 if all(r.ok for r in results) else 1)


@app.command(
    "airflow", context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}
)
def airflow_cmd(ctx: typer.Context) -> None:
    """Run the Airflow CLI with the project's local configuration: Airflow home under
    GOSPUBLIKI_HOME, the repo's dags/, the warehouse connection and the metadata database
    gospubliki_airflow on the warehouse's server — the one `make ui`, `make demo` and
    `gospubliki run` use — e.g. `gospubliki airflow dags list-runs gospubliki_daily` or
    `gospubliki airflow standalone` (the UI on http://127.0.0.1:8080)."""
    import os

    from gospubliki import airflow_env, airflow_stack
    from gospubliki.warehouse import server

    server.start()  # the embedded warehouse (no-op for an external URL) holds Airflow's metadata
    airflow_env.apply()
    os.environ.update(airflow_stack.local_env())
    argv = airflow_env.airflow_argv(ctx.args)
    os.execv(argv[0], argv)


@app.command("ui")
def ui_cmd(
    port: int = typer.Option(8080, help="Port of the Airflow UI / REST API on 127.0.0.1."),
    simulator_port: int = typer.Option(8765, help="Port of the simulated VK and OK APIs on 127.0.0.1."),
    scale: str = typer.Option("region", help="Simulated world: 'region' (~2 000 pages) or 'national'."),
    region: str = typer.Option("43", help="Region of the simulated world."),
    seed: int = typer.Option(1, help="Seed of the simulated world (the demo's is 1)."),
    factor: float = typer.Option(None, help="Size of the simulated world (default: the scale's)."),
) -> None:
    """Airflow's UI on this machine, with the simulated networks as a service, until Ctrl+C.

    Starts the warehouse (importing the simulated registry if it has none), the simulated VK and OK
    APIs (`gospubliki simulator serve`), and Airflow — scheduler, dag-processor, api-server,
    triggerer, LocalExecutor — with the connections gospubliki_warehouse, vk_default, ok_default
    and telegram_default stored in Airflow's metadata DB. Trigger, Clear (re-run) and Backfill from
    the UI; every task log is shown there. gospubliki_daily starts paused (unpaused, the scheduler
    runs it at 03:00 Moscow time, and at once for the latest such time); the weekly reports DAG is
    unpaused and follows the Asset a Sunday's daily run records. The runs of `make demo` are
    listed too (same Airflow home). Everything listens on 127.0.0.1 only.

    Login: user `admin`; the password is printed at every start: GOSPUBLIKI_UI_PASSWORD, or the one
    generated once into GOSPUBLIKI_HOME/airflow/simple_auth_manager_passwords.json.generated.
    Ctrl+C stops Airflow and the simulator; the warehouse keeps running (`gospubliki warehouse stop`).
    """
    from gospubliki.local_ui import UiOptions, run_ui

    opts = UiOptions(port=port, simulator_port=simulator_port, scale=scale, region=region, seed=seed, factor=factor)
    raise typer.Exit(run_ui(opts, console))


@app.command("summary")
def summary_cmd() -> None:
    """Print the national summary and the sector table of the latest snapshot date."""
    from gospubliki.reports import summary

    summary.print_national(console)
    summary.print_sectors(console)


@app.command("demo")
def demo(
    days: int = typer.Option(7, min=1, max=60, help="How many days to run, ending yesterday."),
    scale: str = typer.Option("region", help="'region' (~2 000 pages, default) or 'national' (~89 000 pages)."),
    region: str = typer.Option("43", help="Region of the simulated world and of the rating shown."),
    fault_day: str = typer.Option(
        None, help="Make the simulator report negative member counts on this date: validation blocks that load."
    ),
    factor: float = typer.Option(
        None, "--factor", min=0.01, help="Size of the simulated world relative to the scale's default (e.g. 0.2)."),
    history_days: int = typer.Option(
        15, "--history-days", min=0,
        help="Days of history generated before the first DAG day (gospubliki history generate), so the "
        "rating shows dynamics against previous weeks; 0: none.",
    ),
) -> None:
    """Run the platform end to end on simulated networks: warehouse, registry, the daily DAG for the
    last N days, then the national summary and a rating table."""
    from gospubliki.dates import parse_date
    from gospubliki.demo import DemoOptions, run_demo

    if logging.getLogger().level > logging.DEBUG:  # the demo shows its own progress; -v shows the logs
        logging.getLogger("gospubliki").setLevel(logging.WARNING)
    opts = DemoOptions(days=days, scale=scale, region=region, history_days=history_days, factor=factor,
                       fault_day=parse_date(fault_day) if fault_day else None)
    ok = run_demo(opts, console)
    raise typer.Exit(0 if ok or opts.fault_day else 1)


# ---------------------------------------------------------------- the region report
@app.command("report")
def report_cmd(
    region: str = typer.Option(..., "--region", "-r", help="Region code, e.g. 43 (Кировская область)."),
    period: str = typer.Option(
        None, "--period", "-p", help="ISO week, e.g. 2026-W48 (default: the region's latest week with data)."
    ),
    out: Path = typer.Option(
        None, "--out", help="Folder for the files (default: GOSPUBLIKI_HOME/reports/region/<week>/)."
    ),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print the page to PDF with headless Chromium."),
) -> None:
    """Write the weekly report of a region, laid out like the «Госпаблики» presentation.

    One self-contained HTML page (charts included; opens without network access) and its PDF
    (A4 landscape, printed by headless Chromium — GOSPUBLIKI_CHROMIUM, default /usr/bin/chromium):
    headline figures with the change since last week, «создано / создать» per sector, audience and
    activity per municipality, the «светофор», the rating table and the week's best posts.
    Read from the marts at the week's last snapshot date. An unknown region or a week without data
    is one line naming what exists (exit code 2). Example:

        gospubliki report --region 43 --period 2026-W48 --out reports/
    """
    from gospubliki import chromium
    from gospubliki.reports.region import export_region
    from gospubliki.warehouse import server

    if pdf:  # before any work: one line on how to install it
        try:
            chromium.check()
        except chromium.ChromiumMissing as exc:
            raise chromium.ChromiumMissing(f"{exc}; or write the HTML only with --no-pdf") from None
    server.start()
    for f in export_region(region, period, out, pdf=pdf):
        console.print(f"wrote {f}")


# ---------------------------------------------------------------- ratings
@rating_app.callback(invoke_without_command=True)
def rating(
    ctx: typer.Context,
    region: str = typer.Option(None, "--region", "-r", help="Region code, e.g. 43 (Кировская область)."),
    period: str = typer.Option(None, "--period", "-p", help="ISO week '2026-W47' or month '2026-11' (default: latest)."),
    methodology: str = typer.Option(None, "--methodology", "-m", help="Methodology code (default: the default one)."),
    out: Path = typer.Option(None, "--out", help="Also write XLSX, CSV, HTML and PNG files into this folder."),
) -> None:
    """Print a region's rating table (Место | Муниципалитет | Балл | % | Динамика); --out exports it."""
    if ctx.invoked_subcommand is not None:
        return
    if not region:
        console.print(ctx.get_help())
        raise typer.Exit(2)
    from gospubliki.reports.rating import show_and_export

    files = show_and_export(region, period, methodology=methodology, out_dir=out, console=console)
    for f in files:
        console.print(f"  wrote {f}")


@rating_app.command("import-manual")
def rating_import_manual(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Expert scores CSV.")) -> None:
    """Import manual (expert) criteria scores (docs/rating-methodology.md). Municipalities may be
    written as the region publishes them («г.о. Котельнич», «МО "Город Киров"»); a one-letter slip
    is corrected with a warning. Exit code 0: every row loaded; 2: some rows rejected (one line
    each, with the closest reference names; the valid rows are loaded)."""
    from gospubliki.reference.load import load_reference
    from gospubliki.reports.manual import import_manual_scores
    from gospubliki.warehouse import server

    server.start()
    load_reference()
    report = import_manual_scores(path)
    for number, warning in report.warnings:
        console.print(f"  warning: row {number}: {warning}", markup=False, highlight=False, soft_wrap=True)
    for r in report.rejects:
        console.print(f"  row {r.row_number}: {r.reason}", markup=False, highlight=False, soft_wrap=True)
    console.print(
        f"{report.rows_loaded} scores loaded, {len(report.rejects)} rejected, {len(report.warnings)} corrected; "
        "run `gospubliki dbt build --select municipality_rating_criteria+` to apply",
        markup=False, highlight=False, soft_wrap=True,
    )
    if report.rejects:
        raise typer.Exit(2)


@rating_app.command("export-all")
def rating_export_all(
    period: str = typer.Option(None, "--period", "-p", help="Period (default: latest)."),
    out: Path = typer.Option(None, "--out", help="Folder (default: GOSPUBLIKI_HOME/reports/rating)."),
) -> None:
    """Write every region's rating table (XLSX, CSV, HTML, PNG) — what the weekly task does."""
    from gospubliki.reports.rating import export_all_regions

    files = export_all_regions(out, period)
    console.print(f"{len(files)} files written under {files[0].parent if files else out}")
