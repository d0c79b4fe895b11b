"""The Telegram resolve job end to end: the registry's usernames resolved by the real telethon client
and adapter over the simulator's MTProto sender, spread over accounts, runs and days within a daily
budget; a run killed mid-way; flood waits; and the daily loads of the first week, which report
the channels still unresolved and validate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import date, timedelta

import pytest
import tg_world as tw

from gospubliki.extract.telegram_resolve import assign, resolve_plan, run_tg_resolve
from gospubliki.quality import check_and_publish
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.telegram_fake import TelegramFaults, TelegramSimulator
from gospubliki.simulator.world import build_world
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 1)
SEED = 7


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=SEED)


@pytest.fixture
def registry(fresh_db, world, tmp_path, monkeypatch):
    tw.register_tg_pages(fresh_db, world)
    tw.copy_gx(tmp_path, monkeypatch)
    return fresh_db


def _resolve(url, sim, day, per_run, per_day):
    sim.reset()
    st = sim.settings()
    run = run_tg_resolve(url=url, settings=st, client_factory=sim.client_factory(st), per_run=per_run, per_day=per_day, day=day)
    return run, sim.stats()["requests_by_method"].get("ResolveUsernameRequest", 0)


def _cache(url) -> Counter:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select status, count(*) from raw.tg_channel_cache group by 1")
        return Counter(dict(cur.fetchall()))


def _budget(url) -> dict:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select day, account, resolves from raw.tg_resolve_budget order by 1, 2")
        return {(d, a): n for d, a, n in cur.fetchall()}


def test_the_plan_for_the_first_national_day():
    plan = resolve_plan(11_159, accounts=5, per_day=200)
    assert (plan.days, plan.accounts_for_week) == (12, 8)  # 5 × 200 a day: 12 days; 8 accounts: a week
    assert resolve_plan(11_159, accounts=8, per_day=200).days == 7
    assert resolve_plan(0, accounts=1).days == 0
    with pytest.raises(ValueError):
        resolve_plan(10, accounts=0)


def test_usernames_go_to_the_least_loaded_accounts_within_their_quota():
    plan = assign([f"u{i}" for i in range(10)], {"a": 5, "b": 5, "c": 1}, Counter({"a": 3}))
    # b and c start empty, a has 3 cached channels: c takes 1 (its quota), then b and a share the rest
    assert {k: len(v) for k, v in plan.items()} == {"a": 4, "b": 5, "c": 1}
    assert sorted(u for v in plan.values() for u in v) == sorted(f"u{i}" for i in range(10))
    assert assign(["x"], {"a": 0}, Counter()) == {}


def test_a_first_week_resolves_every_username_once_within_the_budget_and_the_loads_validate(registry, world):
    """Region world: every Telegram username is new. Resolve runs (hourly in production: 3 a day
    here) within 10 per run and 25 per account a day, then the day's load: it validates, reports
    the channels not resolved yet as 'unresolved', and reads the others as the world says."""
    sim = TelegramSimulator(world)
    pages = world.pages_on("tg")
    n, accounts = len(pages), len(sim.settings().accounts)
    per_run, per_day = 10, 25
    plan = resolve_plan(n, accounts, per_day)
    pending, day, days = n, DAY, 0
    while pending:
        days += 1
        for run_no in range(3):
            run, sent = _resolve(registry, sim, day, per_run, per_day)
            want = min(pending, accounts * min(per_run, per_day - per_run * run_no))
            assert (run.sent, sent, run.pending_before) == (want, want, pending), (day, run_no)
            assert run.pending_after == pending - want and not run.stopped
            pending -= want
        assert all(n <= per_day for (d, _), n in _budget(registry).items() if d == day)
        result, served = tw.run(registry, day, sim, resolve_budget=0)
        assert "ResolveUsernameRequest" not in served["requests_by_method"]
        load = tw.read_load(registry, result.load_id)
        unresolved = [k for k, (_, _, s, _, _) in load["pages"].items() if s == "unresolved"]
        assert len(unresolved) == load["details"]["unresolved"] == pending
        outcome = check_and_publish(result.load_id, registry)
        assert outcome.success, outcome.failure_lines()
        tw.check_against_world(load, world, day, skipped={p.key: None for p in pages if tw.key(p) in unresolved})
        print(f"\n{day}: {n - pending} of {n} usernames resolved, load validated with {pending} unresolved")
        day += timedelta(days=1)
    assert days == plan.days  # the plan's arithmetic is what happened
    cache = _cache(registry)
    deleted = sum(1 for p in pages if p.state == "deleted")
    assert (cache["ok"], cache["not_found"]) == (n - deleted, deleted)  # each username once
    assert sum(_budget(registry).values()) == n
    run, sent = _resolve(registry, sim, day, per_run, per_day)
    assert (run.pending_before, sent) == (0, 0)  # nothing left: no request


def test_a_resolve_run_killed_mid_way_loses_nothing_and_repeats_nothing(registry, world):
    child = textwrap.dedent(
        f"""
        from datetime import date
        from gospubliki.extract.telegram_resolve import run_tg_resolve
        from gospubliki.simulator.scale import Scale
        from gospubliki.simulator.telegram_fake import TelegramSimulator
        from gospubliki.simulator.world import build_world
        sim = TelegramSimulator(build_world(Scale.from_name("region"), seed={SEED}))
        st = sim.settings()
        run_tg_resolve(url={registry!r}, settings=st, client_factory=sim.client_factory(st),
                       per_run=1000, per_day=1000, day=date({DAY.year}, {DAY.month}, {DAY.day}))
        print("DONE")
        """
    )
    env = {**os.environ, "GOSPUBLIKI_TEST_CRASH_AT": "tg_resolve:7"}
    proc = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL and "DONE" not in proc.stdout, proc.stderr[-2000:]
    assert sum(_cache(registry).values()) == 7 and sum(_budget(registry).values()) == 7  # committed as it went
    n = len(world.pages_on("tg"))
    run, sent = _resolve(registry, TelegramSimulator(world), DAY, 1000, 1000)
    assert (run.pending_before, sent, run.pending_after) == (n - 7, n - 7, 0)  # the rest, none twice
    assert sum(_cache(registry).values()) == n and sum(_budget(registry).values()) == n


def test_a_flood_wait_stops_that_account_and_the_next_run_leaves_it_alone(registry, world):
    sim = TelegramSimulator(world, faults=TelegramFaults(flood_waits={("sim-tg-1", "ResolveUsernameRequest"): (3, 86_400)}))
    accounts = sim.settings().account_names
    assert "sim-tg-1" in accounts
    run, sent = _resolve(registry, sim, DAY, 10, 100)
    assert run.resolved["sim-tg-1"] + run.not_found["sim-tg-1"] == 3 and "FLOOD_WAIT" in run.stopped["sim-tg-1"].upper()
    assert sent == 3 + 10 * (len(accounts) - 1) + 1  # the refused request reached the server
    with db.connect(registry) as conn, conn.cursor() as cur:
        cur.execute("select account, request_type, wait_seconds from raw.tg_flood_waits")
        assert cur.fetchall() == [("sim-tg-1", "ResolveUsernameRequest", 86_400)]
    run, _ = _resolve(registry, sim, DAY, 10, 100)
    assert "sim-tg-1" not in run.resolved and run.stopped["sim-tg-1"].startswith("flood wait on ResolveUsernameRequest")
    assert sum(run.resolved.values()) + sum(run.not_found.values()) == 10 * (len(accounts) - 1)
