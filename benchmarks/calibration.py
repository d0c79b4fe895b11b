"""Calibration of the simulator at national scale: the marts against the presentation's figures.

    python benchmarks/calibration.py                 # a scratch database gp_calibration, dropped after
    python benchmarks/calibration.py --keep          # keep it (to look at the marts)
    python benchmarks/calibration.py --url postgresql://…/empty_db
    python benchmarks/calibration.py --validate      # run the Great Expectations checkpoints too

What it does, with timings: build the national world (``build_world(Scale.from_name("national"))``),
load the reference data (plus the world's synthetic municipalities) and the registry (the
simulator's registry CSV through the real importer), extract one snapshot date from every network
with the real extractors against the simulator — VK and OK over HTTP (the emulators), Telegram
through telethon with the simulator's transport — publish the loads (or validate them with GX,
``--validate``), run ``dbt build``, and print the presentation's figures (``shared/domain.md``, as
``gospubliki.simulator.scale`` holds them) next to ``marts.national_summary`` (network ``all``)
and ``marts.sector_summary``, with the ratio and a ±5 % verdict. Exit status 1 if a figure is off.

Which mart figure answers which presentation figure:

* institutions (65 000) — institutions with at least one active page on any network;
* pages (89 000) — active pages (fetch_status ok; deleted, banned and private pages are not);
* subscribers (61 M) — members of the active pages; posts per week (48 000) — posts of the 7 days;
* connected subscribers (50 M) — members of active pages connected to «Госпаблики»;
* per sector: publics (target) — target institutions (registry rows without an exemption);
  created — target institutions with an active page; to create — target − created; subscribers.

The presentation leaves «created»/«to create» of regional bodies and ОМСУ blank (all created, as
``scale.py`` reads it); the ``other`` sector is the simulator's assumption (not in the
presentation) and is shown without a verdict.

Not a test of the default suite: it takes minutes (about 89 000 pages through three APIs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

TOLERANCE = 0.05
DEFAULT_DAY = date(2026, 1, 1)  # the world's base date: members equal the normalised figures
VK_TOKENS = tuple(f"sim-vk-{i}" for i in range(1, 17))  # 16 × 5 000 wall.get > ~61 000 VK pages
OK_TOKENS = tuple(f"sim-ok-{i}" for i in range(1, 5))  # 4 × 10 000 calls > ~17 500 OK groups


@dataclass
class Figure:
    section: str
    name: str
    presented: float | None  # None: not in the presentation (shown, no verdict)
    actual: float

    @property
    def ratio(self) -> float | None:
        if self.presented is None:
            return None
        if self.presented == 0:
            return 1.0 if self.actual == 0 else float("inf")
        return self.actual / self.presented

    @property
    def ok(self) -> bool | None:
        ratio = self.ratio
        if ratio is None:
            return None
        if self.presented == 0:
            return self.actual == 0
        return abs(ratio - 1) <= TOLERANCE


class Timer:
    def __init__(self):
        self.steps: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str):
        print(f"… {name}", flush=True)
        started = time.monotonic()
        yield
        seconds = time.monotonic() - started
        self.steps.append((name, seconds))
        print(f"  {name}: {seconds:.1f} s", flush=True)


def _with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def scratch_database(server_url: str) -> str:
    name = f"gp_calibration_{uuid.uuid4().hex[:6]}"
    admin = psycopg2.connect(_with_db(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    admin.close()
    return _with_db(server_url, name)


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = psycopg2.connect(_with_db(url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()


def refuse_non_empty(url: str) -> None:
    from gospubliki.warehouse import db

    db.apply_schema(url)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select (select count(*) from registry.institutions) + (select count(*) from raw.loads)")
        if cur.fetchone()[0]:
            raise SystemExit("refusing: the database already has a registry or loads (use an empty one)")


def publish(load_id: int, url: str, validate: bool) -> None:
    from gospubliki.warehouse import loads

    if validate:
        from gospubliki.quality.validate import check_and_publish

        outcome = check_and_publish(load_id, url)
        if not outcome.success:
            raise SystemExit(f"load {load_id} failed validation: {outcome.failure_lines()}")
    else:
        loads.publish(load_id, url=url)


def prepare(url: str, timer: Timer, workdir: Path):
    from gospubliki.reference.load import load_reference
    from gospubliki.registry.importer import import_registry
    from gospubliki.simulator.registry import synthetic_municipalities, write_registry_csv
    from gospubliki.simulator.scale import Scale
    from gospubliki.simulator.world import build_world

    with timer.step("build the national world"):
        world = build_world(Scale.from_name("national"))
        print(f"  {len(world.institutions)} registry rows, {len(world.pages)} pages")
    with timer.step("reference data and registry import"):
        load_reference(url, extra_municipalities=synthetic_municipalities(world))
        path = workdir / "registry.csv"
        write_registry_csv(path, world)
        report = import_registry(path, url=url)
        pages = report.pages_by_network
        print(f"  {report.institutions} institutions, pages {pages}, {len(report.rejects)} rejected")
        for reject in report.rejects[:5]:
            print(f"  rejected row {reject.row_number}: {reject.reason}")
    return world


def extract_all(world, day: date, url: str, timer: Timer, validate: bool) -> None:
    from gospubliki.clients.ok import OkClient
    from gospubliki.extract.ok import run_ok_extraction
    from gospubliki.extract.telegram import run_tg_extraction
    from gospubliki.extract.vk import run_vk_extraction
    from gospubliki.simulator.config import DEFAULT_OK_APP_KEY, DEFAULT_OK_APP_SECRET, EmulatorConfig
    from gospubliki.simulator.server import start_in_thread
    from gospubliki.simulator.telegram_fake import TelegramSimulator

    config = EmulatorConfig(tokens=VK_TOKENS, ok_tokens=OK_TOKENS)
    with start_in_thread(world, config=config) as sim:
        with timer.step("VK: extract (real client, HTTP emulator) and land"):
            load = run_vk_extraction(day, url=url, base_url=sim.url_template, tokens=VK_TOKENS, rps=20)
            print(f"  load {load.load_id}: {load.rows}")
        with timer.step("VK: publish" + (" (GX validation)" if validate else "")):
            publish(load.load_id, url, validate)
        with timer.step("OK: extract (real client, HTTP emulator) and land"):
            client = OkClient(
                DEFAULT_OK_APP_KEY,
                DEFAULT_OK_APP_SECRET,
                OK_TOKENS,
                base_url=sim.url_for_day(day),
                rps=0,
                parallel=4,
            )
            load = run_ok_extraction(day, url=url, client=client)
            print(f"  load {load.load_id}: {load.rows}")
        with timer.step("OK: publish" + (" (GX validation)" if validate else "")):
            publish(load.load_id, url, validate)
    tg = TelegramSimulator(world)
    settings = tg.settings(resolve_budget=len(world.pages_on("tg")))
    with timer.step("Telegram: extract (telethon, simulated transport) and land"):
        load = run_tg_extraction(day, url=url, settings=settings, client_factory=tg.client_factory(settings))
        print(f"  load {load.load_id}: {load.rows}")
    with timer.step("Telegram: publish" + (" (GX validation)" if validate else "")):
        publish(load.load_id, url, validate)


def mart_figures(url: str, day: date) -> list[Figure]:
    from gospubliki.simulator.scale import HEADLINE, SECTORS

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """select institutions_with_pages, pages, subscribers, posts_per_week
                   from marts.national_summary where network = 'all' and snapshot_date = %s""",
                (day,),
            )
            found = cur.fetchone()
            if found is None:
                raise SystemExit(f"marts.national_summary has no 'all' row for {day}")
            institutions, pages, subscribers, posts = found
            # connected subscribers from the page-day fact and the registry's connection flag
            cur.execute(
                """select coalesce(sum(f.members_count), 0)
                   from marts.fct_page_daily as f
                   inner join registry.pages as p on p.page_key = f.page_key
                   where f.snapshot_date = %s and f.is_active and p.is_connected""",
                (day,),
            )
            (connected,) = cur.fetchone()
            cur.execute(
                """select sector, target_institutions, created_institutions, to_create_institutions,
                          subscribers
                   from marts.sector_summary where snapshot_date = %s""",
                (day,),
            )
            sectors = {r[0]: r[1:] for r in cur.fetchall()}
    finally:
        conn.close()
    figures = [
        Figure("страна", "учреждений (с госпабликом)", HEADLINE.institutions, institutions),
        Figure("страна", "госпабликов (действующих)", HEADLINE.pages, pages),
        Figure("страна", "подписчиков", HEADLINE.subscribers, subscribers),
        Figure("страна", "публикаций за неделю", HEADLINE.posts_per_week, posts),
        Figure("страна", "подписчиков в подключённых", HEADLINE.connected_subscribers, connected),
    ]
    structural = {"regional", "local"}  # «created»/«to create» left blank in the presentation
    for s in SECTORS:
        target, created, to_create, subs = sectors.get(s.code, (0, 0, 0, 0))
        presented = s.code != "other"
        figures.append(Figure(s.title, "публичных страниц (цель)", s.target if presented else None, target))
        created_presented = presented and s.code not in structural
        figures.append(Figure(s.title, "создано", s.created if created_presented else None, created))
        to_create_presented = s.presented_to_create if s.presented_to_create is not None else s.to_create
        figures.append(
            Figure(s.title, "создать", to_create_presented if created_presented else None, to_create)
        )
        figures.append(Figure(s.title, "подписчиков", s.subscribers if presented else None, subs))
    return figures


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}".replace(",", " ")


def print_table(figures: list[Figure], day: date) -> bool:
    print(f"\nКалибровка симулятора: презентация и витрины на {day:%d.%m.%Y} (допуск ±{TOLERANCE:.0%})\n")
    header = (
        f"{'раздел':<34} {'показатель':<30} {'презентация':>13} {'витрина':>13} {'отношение':>9}  вердикт"
    )
    print(header)
    print("-" * len(header))
    section = None
    all_ok = True
    for f in figures:
        ratio = "–" if f.ratio is None else f"{f.ratio:.3f}"
        verdict = {True: "OK", False: "ВНЕ ДОПУСКА", None: "(нет в презентации)"}[f.ok]
        all_ok &= f.ok is not False
        label = f.section if f.section != section else ""
        section = f.section
        print(f"{label:<34} {f.name:<30} {_fmt(f.presented):>13} {_fmt(f.actual):>13} {ratio:>9}  {verdict}")
    checked = [f for f in figures if f.ok is not None]
    print(f"\n{sum(f.ok for f in checked)} of {len(checked)} figures within ±{TOLERANCE:.0%}")
    return all_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", help="an empty PostgreSQL database (default: a scratch one on the embedded server)"
    )
    parser.add_argument("--day", type=date.fromisoformat, default=DEFAULT_DAY, help="snapshot date")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--validate", action="store_true", help="validate each load with Great Expectations")
    args = parser.parse_args(argv)

    from gospubliki import settings
    from gospubliki.transform import dbt
    from gospubliki.warehouse import server

    timer = Timer()
    scratch = args.url is None
    if scratch:
        server.start()
        url = scratch_database(settings.warehouse_url())
        print(f"scratch database {urlsplit(url).path.lstrip('/')}")
    else:
        url = args.url
    try:
        refuse_non_empty(url)
        with tempfile.TemporaryDirectory() as tmp:
            world = prepare(url, timer, Path(tmp))
            extract_all(world, args.day, url, timer, args.validate)
            with timer.step("dbt build (all models, tests)"):
                dbt.run_dbt(
                    ["--quiet", "build"], url, target_path=Path(tmp) / "target", log_path=Path(tmp) / "logs"
                )
        figures = mart_figures(url, args.day)
    finally:
        if scratch and not args.keep:
            drop_database(url)
        elif scratch:
            print(f"kept: {url}")
    ok = print_table(figures, args.day)
    total = sum(s for _, s in timer.steps)
    print(
        "\nTimings: " + ", ".join(f"{name} {s:.0f} s" for name, s in timer.steps) + f"; total {total:.0f} s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
