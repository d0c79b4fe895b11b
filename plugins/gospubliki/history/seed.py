"""The seed day of generated history: one day of every network extracted from the simulator by the
real extractors and published through the normal path (Great Expectations validation, or a plain
``loads.publish`` when ``validate=False``), exactly as ``benchmarks/calibration.py`` does it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

VK_TOKENS = tuple(f"sim-vk-{i}" for i in range(1, 17))  # 16 × 5 000 wall.get > ~61 000 national VK pages
OK_TOKENS = tuple(f"sim-ok-{i}" for i in range(1, 5))  # 4 × 10 000 calls > ~17 500 national OK groups


def build(scale: str, region: str = "43", seed: int = 1):
    from gospubliki.simulator.scale import Scale
    from gospubliki.simulator.world import build_world

    return build_world(Scale.from_name(scale, region=region), seed=seed)


def import_world(world, url: str | None = None) -> None:
    """Reference data (with the world's synthetic municipalities) and the world's registry."""
    from gospubliki.reference.load import load_reference
    from gospubliki.registry.importer import import_registry
    from gospubliki.simulator.registry import synthetic_municipalities, write_registry_csv

    load_reference(url, extra_municipalities=synthetic_municipalities(world))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.csv"
        write_registry_csv(path, world)
        import_registry(path, url=url, allow_shrink=True)


def _publish(load_id: int, url: str | None, validate: bool) -> None:
    from gospubliki.warehouse import loads

    if validate:
        from gospubliki.quality.validate import check_and_publish

        check_and_publish(load_id, url)  # raises ValidationFailed when the load is rejected
    else:
        loads.publish(load_id, url=url)


def extract_day(
    world, day: date, *, url: str | None = None, validate: bool = True, say: Callable[[str], None] = print
) -> dict[str, int]:
    """Extract ``day`` from every network of the simulated ``world`` and publish it. Returns the
    published load id by network."""
    from gospubliki.clients.ok import OkClient
    from gospubliki.extract.ok import run_ok_extraction
    from gospubliki.extract.telegram import run_tg_extraction
    from gospubliki.extract.vk import run_vk_extraction
    from gospubliki.simulator.config import DEFAULT_OK_APP_KEY, DEFAULT_OK_APP_SECRET, EmulatorConfig
    from gospubliki.simulator.server import start_in_thread
    from gospubliki.simulator.telegram_fake import TelegramSimulator

    published = {}
    with start_in_thread(world, config=EmulatorConfig(tokens=VK_TOKENS, ok_tokens=OK_TOKENS)) as sim:
        load = run_vk_extraction(day, url=url, base_url=sim.url_template, tokens=VK_TOKENS, rps=20)
        _publish(load.load_id, url, validate)
        published["vk"] = load.load_id
        say(f"seed day {day}: vk load {load.load_id} {load.rows}")
        client = OkClient(DEFAULT_OK_APP_KEY, DEFAULT_OK_APP_SECRET, OK_TOKENS, base_url=sim.url_for_day(day),
                          rps=0, parallel=4)
        load = run_ok_extraction(day, url=url, client=client)
        _publish(load.load_id, url, validate)
        published["ok"] = load.load_id
        say(f"seed day {day}: ok load {load.load_id} {load.rows}")
    tg = TelegramSimulator(world)
    settings = tg.settings(resolve_budget=len(world.pages_on("tg")))
    load = run_tg_extraction(day, url=url, settings=settings, client_factory=tg.client_factory(settings))
    _publish(load.load_id, url, validate)
    published["tg"] = load.load_id
    say(f"seed day {day}: tg load {load.load_id} {load.rows}")
    return published


def fill(world, days: int, end: date, *, seed: int = 1, validate: bool = True, url: str | None = None,
         say: Callable[[str], None] = print, progress=None):
    """``days`` days of history ending with ``end``: the seed day ``end`` extracted from ``world``
    (unless it has real validated loads already, e.g. from an earlier run) and the days before it
    generated (``generate.generate``; days already validated are kept)."""
    from gospubliki.history import generate

    if not generate.has_seed(end, url):
        say(f"simulating the seed day {end} …")
        extract_day(world, end, url=url, validate=validate, say=say)
    return generate.generate(days, end=end, seed=seed, url=url, progress=progress)
