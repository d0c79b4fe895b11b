"""Dates mean what they say, end to end: the real extractions over real HTTP to the simulator.

The simulator answers *as of* a date under ``/asof/YYYY-MM-DD`` (it replays the past, so tests and
the demo backfill freely) and with today's state at its bare URL — exactly what a live API does.
Against the bare URL, a date beyond the horizon is refused unless forced, and when forced the load
holds today's state under the old date, with ``observed_at`` saying when it was read."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from gospubliki.dates import SnapshotDateRefused, today_in_moscow
from gospubliki.extract.ok import run_ok_extraction
from gospubliki.extract.telegram import run_tg_extraction
from gospubliki.extract.vk import run_vk_extraction
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.registry.links import normalize_vk
from gospubliki.simulator.config import (
    DEFAULT_OK_APP_KEY,
    DEFAULT_OK_APP_SECRET,
    DEFAULT_OK_TOKENS,
    DEFAULT_VK_TOKENS,
)
from gospubliki.simulator.registry import synthetic_municipalities, write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.telegram_fake import TelegramSimulator
from gospubliki.simulator.world import build_world
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration

PAST = date(2026, 3, 1)  # a simulated past day, as the other extraction tests use
GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region", factor=0.1), seed=5)  # 102 VK, 51 OK, 35 Telegram pages


@pytest.fixture
def registry(fresh_db, world, tmp_path, monkeypatch):
    load_reference(fresh_db, extra_municipalities=synthetic_municipalities(world))
    write_registry_csv(tmp_path / "registry.csv", world)
    import_registry(tmp_path / "registry.csv", url=fresh_db)
    for name, value in {
        "GOSPUBLIKI_VK_TOKENS": ",".join(DEFAULT_VK_TOKENS),
        "GOSPUBLIKI_VK_RPS": "50",
        "GOSPUBLIKI_OK_APP_KEY": DEFAULT_OK_APP_KEY,
        "GOSPUBLIKI_OK_APP_SECRET": DEFAULT_OK_APP_SECRET,
        "GOSPUBLIKI_OK_TOKEN": ",".join(DEFAULT_OK_TOKENS),
        "GOSPUBLIKI_OK_RPS": "50",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("GOSPUBLIKI_FORCE_PAST", "GOSPUBLIKI_SNAPSHOT_HORIZON_DAYS"):
        monkeypatch.delenv(name, raising=False)
    return fresh_db


def loads(url: str) -> list[tuple]:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select source, snapshot_date, status, observed_at, loaded_at from raw.loads order by load_id")
        return cur.fetchall()


def test_a_future_date_is_refused_by_every_network_and_nothing_lands(registry, world):
    future = today_in_moscow() + timedelta(days=1)
    tg = TelegramSimulator(world)
    with start_in_thread(world) as sim:
        for run in (
            lambda: run_vk_extraction(future, url=registry, base_url=sim.url_template),
            lambda: run_ok_extraction(future, url=registry, base_url=sim.url_template),
            lambda: run_tg_extraction(future, url=registry, settings=tg.settings(),
                                      client_factory=tg.client_factory(tg.settings())),
        ):
            with pytest.raises(SnapshotDateRefused, match=f"snapshot date {future} is in the future"):
                run()
        assert sim.stats()["requests_by_token"] == {}  # not one API request
    assert loads(registry) == []


def test_a_live_api_refuses_a_date_beyond_the_horizon_and_forced_stores_todays_state(registry, world):
    today = today_in_moscow()
    old = today - timedelta(days=5)
    with start_in_thread(world) as sim:  # sim.base_url: no /asof/, the emulator answers as of today
        with pytest.raises(SnapshotDateRefused, match=f"{old} is 5 days back, beyond the 2-day horizon"):
            run_vk_extraction(old, url=registry, base_url=sim.base_url)
        assert loads(registry) == []
        within = run_vk_extraction(today - timedelta(days=2), url=registry, base_url=sim.base_url)
        before = datetime.now(UTC)
        forced = run_vk_extraction(old, url=registry, base_url=sim.base_url, force_past=True)
    (_, _, _, observed_within, _), (source, day, status, observed_at, loaded_at) = loads(registry)
    assert (source, day, status) == ("vk", old, "loaded")
    assert observed_within is not None and before <= observed_at <= loaded_at
    # what «forced» means: the members stored under `old` are today's, not that day's
    page = next(p for p in world.pages_on("vk") if not p.deactivated and p.is_closed == 0)
    with db.connect(registry) as conn, conn.cursor() as cur:
        cur.execute("select members_count from raw.vk_pages where load_id = %s and page_key = %s",
                    (forced.load_id, normalize_vk(page.link).key))
        assert cur.fetchone()[0] == world.members_on(page, today)
    assert within.load_id < forced.load_id


def test_the_simulator_backfills_the_past_and_every_load_records_when_it_was_observed(registry, world):
    started = datetime.now(UTC)
    tg = TelegramSimulator(world)
    with start_in_thread(world) as sim:
        run_vk_extraction(PAST, url=registry, base_url=sim.url_template)
        run_ok_extraction(PAST, url=registry, base_url=sim.url_template)
    run_tg_extraction(PAST, url=registry, settings=tg.settings(), client_factory=tg.client_factory(tg.settings()))
    landed = loads(registry)
    assert [(s, d, st) for s, d, st, _, _ in landed] == [("vk", PAST, "loaded"), ("ok", PAST, "loaded"),
                                                        ("tg", PAST, "loaded")]
    for _, _, _, observed_at, loaded_at in landed:
        assert started <= observed_at <= loaded_at


def test_the_cli_refuses_a_date_beyond_the_horizon_and_accepts_it_with_force_past(registry, world):
    old = today_in_moscow() - timedelta(days=4)
    with start_in_thread(world) as sim:
        env = {**os.environ, "GOSPUBLIKI_VK_API_URL": sim.base_url, "COLUMNS": "250"}
        args = [GOSPUBLIKI, "extract", "vk", "--date", old.isoformat(), "--no-validate"]
        refused = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert refused.stderr.splitlines() == [
            f"error: snapshot date {old} is 4 days back, beyond the 2-day horizon: a live API returns today's "
            f"members and counters, which would be filed as {old}'s; use --force-past (or "
            "GOSPUBLIKI_FORCE_PAST=1) to store them anyway"
        ]
        assert loads(registry) == []
        forced = subprocess.run([*args, "--force-past"], capture_output=True, text=True, env=env, timeout=300)
    assert forced.returncode == 0, forced.stderr
    assert f"vk load 1 ({old}): raw.vk_pages 102" in forced.stdout
    assert [(s, d, st) for s, d, st, _, _ in loads(registry)] == [("vk", old, "loaded")]
