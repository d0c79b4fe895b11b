"""Telegram extraction end to end: registry pages in a fresh PostgreSQL, the real telethon client and
adapter over the simulator's MTProto sender, landed loads compared with the simulated world, the
per-account cache across days, the resolve budget, and GX validation of the loads."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import psycopg2
import pytest
import tg_world as tw

from gospubliki.clients.errors import NoCredentialsLeft
from gospubliki.extract import telegram_state
from gospubliki.extract.telegram import run_tg_extraction
from gospubliki.quality import check_and_publish
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.telegram_fake import TelegramSimulator
from gospubliki.simulator.world import build_world
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 1)
ACCOUNTS = 3


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=7)


@pytest.fixture
def registry(fresh_db, world, tmp_path, monkeypatch):
    tw.register_tg_pages(fresh_db, world)
    tw.copy_gx(tmp_path, monkeypatch)
    return fresh_db


def _counts(world):
    pages = world.pages_on("tg")
    by_state = Counter(p.state for p in pages)
    return len(pages), by_state


def test_two_days_match_the_world_and_the_second_resolves_no_username(registry, world):
    sim = TelegramSimulator(world)
    n, states = _counts(world)
    readable = states["active"] + states["banned"]
    assert states["private"] and states["deleted"]  # the world brings both: the test is meaningful
    per_day = {}
    for day in (DAY, DAY + timedelta(days=1)):
        result, served = tw.run(registry, day, sim, resolve_budget=1_000)
        load = tw.read_load(registry, result.load_id)
        assert tw.check_against_world(load, world, day) == n
        silent = [k for k, (_, _, s, _, _) in load["pages"].items() if s == "ok" and k not in load["posts"]]
        assert silent  # channels without posts in the window are read too (status ok, no post rows)
        outcome = check_and_publish(result.load_id, registry)
        assert outcome.success, outcome.failure_lines()
        by_method = load["details"]["requests"]["by_method"]
        per_day[day] = by_method
        print(f"\nTelegram requests on {day}: total {load['requests']}, {json.dumps(by_method)}")
        assert by_method == served["requests_by_method"] and load["requests"] == served["requests"]
        # per channel: GetFullChannel (readable and private ones), one GetHistory page (readable ones)
        assert by_method["GetFullChannelRequest"] == readable + states["private"]
        assert by_method["GetHistoryRequest"] == readable
        # connect(): get_me, GetState, GetDifference per account
        assert by_method["GetUsersRequest"] == by_method["GetStateRequest"] == ACCOUNTS
    assert per_day[DAY]["ResolveUsernameRequest"] == n  # every username once, deleted ones included
    assert "ResolveUsernameRequest" not in per_day[DAY + timedelta(days=1)]  # zero resolves on day two
    assert sum(per_day[DAY + timedelta(days=1)].values()) == 2 * readable + states["private"] + 3 * ACCOUNTS

    with db.connect(registry) as conn, conn.cursor() as cur:
        cur.execute("select status, count(*), count(distinct account) from raw.tg_channel_cache group by 1")
        cache = {s: (c, a) for s, c, a in cur.fetchall()}
        cur.execute(
            "select count(*) filter (where message_count > 1), count(*), sum(message_count)"
            " from raw.tg_posts where snapshot_date = %s",
            (DAY,),
        )
        albums, posts, messages = cur.fetchone()
    assert cache == {
        "ok": (n - states["deleted"], ACCOUNTS),
        "not_found": (states["deleted"], cache["not_found"][1]),
    }
    assert albums > 0 and messages > posts  # albums are one post each, not one per message


def test_the_resolve_budget_spreads_new_channels_over_runs(registry, world):
    sim = TelegramSimulator(world)
    n, _ = _counts(world)
    budget, resolved, day = 30, 0, DAY
    while resolved < n:
        result, served = tw.run(registry, day, sim, resolve_budget=budget)
        load = tw.read_load(registry, result.load_id)
        today = served["requests_by_method"].get("ResolveUsernameRequest", 0)
        print(f"\n{day}: resolved {today} new usernames")
        assert today == min(budget * ACCOUNTS, n - resolved)
        assert all(c <= budget for c in load["details"]["resolves"]["by_account"].values())
        resolved += today
        unread = [r for (_, _, s, r, _) in load["pages"].values() if s == "unresolved"]
        assert unread == ["not resolved yet (resolve budget)"] * (n - resolved)
        assert load["details"]["unresolved"] == n - resolved
        tw.check_against_world(load, world, day, unread_reason="not resolved yet")
        day += timedelta(days=1)
    result, served = tw.run(registry, day, sim, resolve_budget=budget)
    assert "ResolveUsernameRequest" not in served["requests_by_method"]
    assert tw.check_against_world(tw.read_load(registry, result.load_id), world, day) == n


def test_a_stale_cached_hash_is_dropped_and_resolved_again_by_a_later_run(registry, world):
    sim = TelegramSimulator(world)
    page = next(p for p in world.pages_on("tg") if p.state == "active")
    tw.run(registry, DAY, sim, resolve_budget=1_000)
    with db.connect(registry) as conn, conn.cursor() as cur:
        cur.execute(
            "update raw.tg_channel_cache set access_hash = access_hash + 1"
            " where username = %s returning account",
            (tw.normalize_tg(page.link).ref,),
        )
        [(account,)] = cur.fetchall()
    result, served = tw.run(registry, DAY, sim, resolve_budget=1_000)
    load = tw.read_load(registry, result.load_id)
    _, _, status, reason, _ = load["pages"][tw.key(page)]
    assert status == "not_found" and reason.startswith("channel invalid (CHANNEL_INVALID)")
    assert load["details"]["cache"]["dropped"] == 1
    result, served = tw.run(registry, DAY, sim, resolve_budget=1_000)
    assert served["requests_by_method"]["ResolveUsernameRequest"] == 1
    assert tw.check_against_world(tw.read_load(registry, result.load_id), world, DAY) == len(
        world.pages_on("tg")
    )


def test_an_account_in_use_by_another_process_is_not_used(registry, world):
    sim = TelegramSimulator(world)
    holder = psycopg2.connect(registry)
    holder.autocommit = True
    with holder.cursor() as cur:
        cur.execute("select pg_advisory_lock(hashtext(%s))", (telegram_state.LOCK_PREFIX + "sim-tg-1",))
    try:
        result, served = tw.run(registry, DAY, sim, resolve_budget=1_000)
    finally:
        holder.close()
    load = tw.read_load(registry, result.load_id)
    assert "sim-tg-1" not in served["requests_by_account"]
    assert "in use by another run" in load["details"]["accounts_stopped"]["sim-tg-1"]
    assert tw.check_against_world(load, world, DAY) == len(world.pages_on("tg"))


def test_no_accounts_is_a_clear_error_and_secrets_never_reach_the_warehouse(registry, world):
    sim = TelegramSimulator(world)
    with pytest.raises(NoCredentialsLeft, match="GOSPUBLIKI_TG_SESSIONS"):
        run_tg_extraction(DAY, url=registry, settings=sim.settings(accounts=()))
    tw.run(registry, DAY, sim, resolve_budget=1_000)
    with db.connect(registry) as conn, conn.cursor() as cur:
        dumps = []
        for table in (
            "raw.loads",
            "raw.tg_pages",
            "raw.tg_posts",
            "raw.tg_channel_cache",
            "raw.tg_flood_waits",
        ):
            cur.execute(f"select coalesce(string_agg(t::text, '|'), '') from {table} t")
            dumps.append(cur.fetchone()[0])
    text = "\n".join(dumps)
    assert "sim-tg-1" in text  # accounts appear by name …
    for session in sim.sessions().values():
        assert session not in text  # … never by session
    assert sim.config.api_hash not in text
