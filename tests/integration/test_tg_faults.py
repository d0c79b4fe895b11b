"""Telegram faults end to end (real client, adapter and warehouse; the simulator's transport):
flood waits move work to other accounts without losing it, are recorded and honoured by later
runs; pages nobody could read are accounted for and read by a later run; dead sessions stop their
account with a clear error."""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import tg_world as tw

from gospubliki.clients.errors import NoCredentialsLeft
from gospubliki.quality import check_and_publish
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.telegram_fake import TelegramFaults, TelegramSimulator
from gospubliki.simulator.world import build_world
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 1)
READ_TYPES = ("GetFullChannelRequest", "GetHistoryRequest")


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=7)


@pytest.fixture
def registry(fresh_db, world, tmp_path, monkeypatch):
    tw.register_tg_pages(fresh_db, world)
    tw.copy_gx(tmp_path, monkeypatch)
    return fresh_db


def _flood_rows(url: str) -> list[tuple]:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select account, request_type, wait_seconds, until_at - recorded_at, snapshot_date"
            " from raw.tg_flood_waits order by recorded_at"
        )
        return cur.fetchall()


def _refusals(served: dict) -> dict:
    """Errors served other than the world's own (private and deleted channels)."""
    world_errors = ("CHANNEL_PRIVATE", "USERNAME_NOT_OCCUPIED")
    return {e: n for e, n in served["errors"].items() if e not in world_errors}


def test_a_flood_wait_moves_the_accounts_work_without_losing_it(registry, world):
    n = len(world.pages_on("tg"))
    sim = TelegramSimulator(
        world, faults=TelegramFaults(flood_waits={("sim-tg-2", "GetHistoryRequest"): (10, 600)})
    )
    result, served = tw.run(registry, DAY, sim, resolve_budget=1_000)
    load = tw.read_load(registry, result.load_id)
    assert tw.check_against_world(load, world, DAY) == n  # every channel read, by someone
    details = load["details"]
    assert served["requests_by_account"]["sim-tg-2"]["GetHistoryRequest"] == 11  # 10 answered, 1 flood wait
    assert _refusals(served) == {"FLOOD_WAIT_600": 1}  # never retried
    assert details["channels_by_account"]["sim-tg-2"] == 10 and details["moved_channels"] > 0
    assert (
        sum(details["channels_by_account"].values())
        + sum(1 for p in world.pages_on("tg") if p.state in ("private", "deleted"))
        == n
    )
    assert [(f["account"], f["request_type"], f["seconds"]) for f in details["flood_waits"]] == [
        ("sim-tg-2", "GetHistoryRequest", 600)
    ]
    assert _flood_rows(registry) == [("sim-tg-2", "GetHistoryRequest", 600, timedelta(seconds=600), DAY)]
    assert check_and_publish(result.load_id, registry).success

    # the next day the wait still holds: sim-tg-2 reads no channel, the others take its channels over
    result, served = tw.run(registry, DAY + timedelta(days=1), sim, resolve_budget=1_000)
    load = tw.read_load(registry, result.load_id)
    assert tw.check_against_world(load, world, DAY + timedelta(days=1)) == n
    assert not set(served["requests_by_account"].get("sim-tg-2", {})) & set(READ_TYPES)
    assert "GetHistoryRequest" in load["details"]["flood_waits_in_force"]["sim-tg-2"]
    assert {a for _, _, s, _, a in load["pages"].values() if s == "ok"} == {"sim-tg-1", "sim-tg-3"}
    assert served["requests_by_method"]["ResolveUsernameRequest"] > 0  # its channels, new to the others


def test_pages_nobody_could_read_are_accounted_for_and_a_later_run_reads_them(registry, world):
    n = len(world.pages_on("tg"))
    faults = TelegramFaults(flood_waits={("*", "GetHistoryRequest"): (60, 2)})
    sim = TelegramSimulator(world, faults=faults)
    settings = dict(resolve_budget=1_000, flood_sleep_threshold=1)  # a 2 s wait is not slept through
    result, served = tw.run(registry, DAY, sim, **settings)
    load = tw.read_load(registry, result.load_id)
    unread = [r for (_, _, s, r, _) in load["pages"].values() if s == "error"]
    assert unread and all(r.startswith("flood wait: no account could read it this run") for r in unread)
    assert tw.check_against_world(load, world, DAY, unread_reason="flood wait") == n - len(unread)
    assert _refusals(served) == {"FLOOD_WAIT_2": 3}  # one per account, each stopped at once
    assert load["details"]["partial"] is True
    first = check_and_publish(result.load_id, registry)  # every registry page is present
    assert first.success, first.failure_lines()

    with db.connect(registry) as conn, conn.cursor() as cur:
        cur.execute("select max(until_at) from raw.tg_flood_waits")
        until = cur.fetchone()[0]
        cur.execute("select count(distinct username) from raw.tg_channel_cache")
        cached = cur.fetchone()[0]
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.2)  # the waits are over
    result, served = tw.run(registry, DAY, sim, **settings)  # re-run of the same date, later
    load = tw.read_load(registry, result.load_id)
    assert tw.check_against_world(load, world, DAY) == n
    # only usernames the first run did not reach are resolved: the rest come from its cache
    assert served["requests_by_method"].get("ResolveUsernameRequest", 0) == n - cached < len(unread)
    assert check_and_publish(result.load_id, registry).success
    with db.connect(registry) as conn, conn.cursor() as cur:
        cur.execute("select load_id from raw.loads where source = 'tg' and status = 'validated'")
        assert cur.fetchall() == [(result.load_id,)]  # the complete load replaced the partial one


def test_a_session_revoked_mid_run_stops_that_account_with_a_clear_error(registry, world, caplog):
    n = len(world.pages_on("tg"))
    sim = TelegramSimulator(world, faults=TelegramFaults(dead_sessions={"sim-tg-2": ("SESSION_REVOKED", 30)}))
    caplog.set_level(logging.ERROR, logger="gospubliki")
    result, served = tw.run(registry, DAY, sim, resolve_budget=1_000)
    load = tw.read_load(registry, result.load_id)
    assert tw.check_against_world(load, world, DAY) == n
    reason = load["details"]["accounts_stopped"]["sim-tg-2"]
    assert "SESSION_REVOKED" in reason and "log the account in again" in reason
    assert "sim-tg-2" in caplog.text and "SESSION_REVOKED" in caplog.text
    assert _refusals(served) == {"SESSION_REVOKED": 1}  # the first refusal stops it: no retries
    assert sum(served["requests_by_account"]["sim-tg-2"].values()) == 31


def test_every_session_dead_lands_the_load_and_raises(registry, world):
    faults = TelegramFaults(
        dead_sessions={
            "sim-tg-1": ("AUTH_KEY_UNREGISTERED", 0),
            "sim-tg-2": ("SESSION_REVOKED", 40),
            "sim-tg-3": ("AUTH_KEY_DUPLICATED", 0),
        }
    )
    sim = TelegramSimulator(world, faults=faults)
    with pytest.raises(NoCredentialsLeft, match="every account is unusable") as info:
        tw.run(registry, DAY, sim, resolve_budget=1_000)
    assert "AUTH_KEY_DUPLICATED" in str(info.value) and "SESSION_REVOKED" in str(info.value)
    with db.connect(registry) as conn, conn.cursor() as cur:
        cur.execute("select load_id from raw.loads where source = 'tg'")
        [(load_id,)] = cur.fetchall()
    load = tw.read_load(registry, load_id)
    assert load["status"] == "failed" and len(load["pages"])  # landed, then failed (partial) == len(world.pages_on("tg"))
    unread = [r for (_, _, s, r, _) in load["pages"].values() if s == "error"]
    assert unread and all(r.startswith("no Telegram account left") for r in unread)
    tw.check_against_world(load, world, DAY, unread_reason="no Telegram account left")


# ---------------------------------------------------------------- issue 7: one channel never takes the day
def _active(world, n: int) -> list:
    first = DAY - timedelta(days=tw.WINDOW - 1)
    pages = [
        p
        for p in sorted(world.pages_on("tg"), key=lambda p: p.page_id)
        if p.state == "active" and world.posts_between(p, first, DAY)
    ]
    return pages[:n]


def test_unknown_errors_and_bad_answers_skip_exactly_their_channel_and_the_day_validates(registry, world):
    """Issue 7, row 1 for Telegram: an RPC error no one listed on one channel's history or full
    channel, an answer of the wrong type: each costs its channel only; the load validates."""
    history, full, wrong, bare, nul = _active(world, 5)
    faults = TelegramFaults(
        page_errors={
            history.key: {"GetHistoryRequest": "CONTENT_BLOCKED_NEW"},
            full.key: {"GetFullChannelRequest": (403, "SOMETHING_NOBODY_LISTED")},
        },
        page_anomalies={wrong.key: "wrong_type", bare.key: "missing_counters", nul.key: "nul_in_text"},
    )
    result, served = tw.run(registry, DAY, TelegramSimulator(world, faults=faults), resolve_budget=1_000)
    load = tw.read_load(registry, result.load_id)
    assert load["status"] == "loaded"
    skipped = {
        history.key: ("posts_unread", "GetHistoryRequest refused (CONTENT_BLOCKED_NEW)"),
        full.key: ("error", "GetFullChannelRequest refused (SOMETHING_NOBODY_LISTED)"),
        wrong.key: ("error", "bad payload: AttributeError: 'ChatFull' object has no attribute 'participants_count'"),
        bare.key: None,
        nul.key: None,
    }
    n = len(world.pages_on("tg"))
    assert tw.check_against_world(load, world, DAY, skipped=skipped) == n - 2
    by_reason = load["details"]["skipped_pages"]["by_reason"]
    assert by_reason["bad_payload"] == 1 and by_reason["rpc_content_blocked_new"] == 1
    assert by_reason["rpc_something_nobody_listed"] == 1
    # absent views / forwards / replies are NULL (unknown); absent reactions are none (0)
    posts = load["posts"][tw.key(bare)]
    assert posts and {(v, lk, rp, c) for *_, v, lk, rp, c in posts} == {(None, 0, None, None)}
    assert len(posts) == len(tw.expected_posts(world, bare, DAY))
    with db.connect(registry) as conn, conn.cursor() as cur:
        cur.execute("select title from raw.tg_pages where page_key = %s", (tw.key(nul),))
        assert cur.fetchone()[0] == "текстс нулевым символом"
    assert check_and_publish(result.load_id, registry).success
