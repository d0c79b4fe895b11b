"""The telethon adapter over a real ``TelegramClient`` whose MTProto sender is the simulator's:
connect, resolve, GetFullChannel, history paging, flood waits (telethon's own short sleep and our
stop), dead sessions, per-account access hashes, and the classification of genuine telethon errors."""

from __future__ import annotations

import dataclasses
import time
from datetime import date, timedelta

import pytest
from telethon import errors
from telethon.tl import types

from gospubliki import dates
from gospubliki.clients.errors import RetryableError
from gospubliki.clients.telegram.port import AccountUnusable, ChannelSkipped, FloodWait
from gospubliki.clients.telegram.settings import TelegramAccount
from gospubliki.clients.telegram.telethon_adapter import TelethonAdapter, classify, make_client
from gospubliki.simulator import tg_objects
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.telegram_fake import SIM_API_ID, TelegramFaults, TelegramSimulator
from gospubliki.simulator.world import build_world

DAY = date(2026, 3, 1)
SINCE, UNTIL = dates.window_start(DAY, 7), dates.window_end(DAY)


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=7)


def _week(world, page):
    return world.posts_between(page, DAY - timedelta(days=6), DAY)


def _adapter(sim, account="sim-tg-1", day=DAY, **settings):
    st = sim.settings(**settings)
    acc = next(a for a in st.accounts if a.name == account)
    return TelethonAdapter(account, sim.client_factory(st)(acc, day), history_wait=0)


def _by_state(world, state):
    return [p for p in world.pages_on("tg") if p.state == state]


async def test_a_real_client_reads_genuine_objects_without_updates(world):
    sim = TelegramSimulator(world)
    page = max(world.pages_on("tg"), key=lambda p: (len(_week(world, p)), p.page_id))
    adapter = _adapter(sim)
    await adapter.connect()
    ref = await adapter.resolve(page.screen_name.upper())  # usernames are case-insensitive
    snap = await adapter.fetch_channel(ref)
    posts = [p async for p in adapter.iter_posts(ref, SINCE, UNTIL)]
    await adapter.close()

    assert ref.channel_id == page.page_id
    assert (snap.participants_count, snap.title, snap.has_photo) == (
        world.members_on(page, DAY),
        page.name,
        page.has_avatar,
    )
    expected = [tg_objects.expected_post(page, p, world.seed) for p in _week(world, page)]
    assert sorted((p.post_id, p.views, p.reactions, p.forwards, p.replies) for p in posts) == sorted(
        (e.post_id, e.views, e.likes, e.reposts, e.comments) for e in expected
    )
    stats = sim.stats()
    # one GetHistory page: the window holds fewer than 100 messages
    assert stats["requests_by_method"]["GetHistoryRequest"] == 1
    assert adapter.request_counts() == stats["requests_by_method"]
    # receive_updates=False: every request (InitConnection included) went out wrapped
    assert stats["without_updates"] == stats["requests"] + 1 and stats["api_ids"] == [SIM_API_ID]


async def test_a_long_history_is_paged_by_telethon_with_offsets(world):
    busy_world = build_world(Scale.from_name("region"), seed=7)
    page = next(p for p in busy_world.pages_on("tg") if p.state == "active")
    page.posts_per_day = 30.0  # ~210 posts in the week, albums included: more than two pages
    sim = TelegramSimulator(busy_world)
    adapter = _adapter(sim)
    await adapter.connect()
    ref = await adapter.resolve(page.screen_name)
    posts = [p async for p in adapter.iter_posts(ref, SINCE, UNTIL)]
    await adapter.close()
    week = busy_world.posts_between(page, DAY - timedelta(days=6), DAY)
    expected = [tg_objects.expected_post(page, p, busy_world.seed) for p in week]
    messages = sum(e.message_count for e in expected)
    assert sorted(p.post_id for p in posts) == sorted(e.post_id for e in expected)
    assert sum(len(p.message_ids) for p in posts) == messages > 200
    assert any(len(p.message_ids) > 1 for p in posts)
    assert sim.stats()["requests_by_method"]["GetHistoryRequest"] == messages // 100 + 1


async def test_telethon_sleeps_a_short_flood_wait_and_we_stop_on_a_long_one(world):
    faults = TelegramFaults(
        flood_waits={
            ("sim-tg-1", "GetFullChannelRequest"): (1, 1),
            ("sim-tg-1", "GetHistoryRequest"): (0, 600),
        }
    )
    sim = TelegramSimulator(world, faults=faults)
    a, b = [p for p in world.pages_on("tg") if p.state == "active"][:2]
    adapter = _adapter(sim, flood_sleep_threshold=5)
    await adapter.connect()
    refs = [await adapter.resolve(p.screen_name) for p in (a, b)]
    await adapter.fetch_channel(refs[0])
    started = time.monotonic()
    snap = await adapter.fetch_channel(refs[1])  # FLOOD_WAIT_1 <= threshold: slept and re-sent
    assert snap.channel_id == b.page_id and time.monotonic() - started >= 0.9
    assert sim.stats()["requests_by_method"]["GetFullChannelRequest"] == 3
    with pytest.raises(FloodWait) as info:
        [p async for p in adapter.iter_posts(refs[0], SINCE, UNTIL)]
    await adapter.close()
    assert (info.value.account, info.value.request_type, info.value.seconds) == (
        "sim-tg-1",
        "GetHistoryRequest",
        600,
    )
    assert info.value.until - info.value.recorded_at == timedelta(seconds=600)


async def test_access_hashes_are_per_account_and_private_and_deleted_channels_are_skipped(world):
    sim = TelegramSimulator(world)
    active = next(p for p in world.pages_on("tg") if p.state == "active")
    one, two = _adapter(sim, "sim-tg-1"), _adapter(sim, "sim-tg-2")
    await one.connect()
    await two.connect()
    ref = await one.resolve(active.screen_name)
    assert ref.access_hash != (await two.resolve(active.screen_name)).access_hash
    with pytest.raises(ChannelSkipped) as invalid:
        await two.fetch_channel(ref)  # account 1's hash on account 2
    assert (invalid.value.status, invalid.value.drop_cache) == ("not_found", True)

    private = _by_state(world, "private")[0]
    private_ref = await one.resolve(private.screen_name)  # ChannelForbidden still has a hash
    with pytest.raises(ChannelSkipped) as closed:
        await one.fetch_channel(private_ref)
    assert (closed.value.status, closed.value.message) == ("private", "private channel (CHANNEL_PRIVATE)")
    deleted = _by_state(world, "deleted")[0]
    with pytest.raises(ChannelSkipped) as gone:
        await one.resolve(deleted.screen_name)
    assert (gone.value.status, gone.value.kind) == ("not_found", "username_not_occupied")
    await one.close()
    await two.close()


async def test_a_channel_blocked_by_telegram_is_seen_as_blocked():
    banned_world = build_world(Scale.from_name("region"), seed=7)
    page = next(p for p in banned_world.pages_on("tg") if p.state == "active")
    page.state = "banned"
    adapter = _adapter(TelegramSimulator(banned_world))
    await adapter.connect()
    snap = await adapter.fetch_channel(await adapter.resolve(page.screen_name))
    await adapter.close()
    assert snap.is_blocked and snap.restriction_reason.startswith("terms: ")
    assert snap.participants_count == banned_world.members_on(page, DAY)


async def test_a_revoked_session_stops_the_account_with_a_clear_error(world):
    sim = TelegramSimulator(world, faults=TelegramFaults(dead_sessions={"sim-tg-1": ("SESSION_REVOKED", 0)}))
    adapter = _adapter(sim)
    await adapter.connect()  # telethon's connect() swallows the 401 of get_me; the next request raises
    with pytest.raises(AccountUnusable) as info:
        await adapter.resolve(world.pages_on("tg")[0].screen_name)
    await adapter.close()
    assert "SESSION_REVOKED" in info.value.message and "log the account in again" in info.value.message


async def test_a_duplicated_key_and_an_unknown_key_and_a_wrong_api_id_fail_the_connection(world):
    sim = TelegramSimulator(
        world, faults=TelegramFaults(dead_sessions={"sim-tg-2": ("AUTH_KEY_DUPLICATED", 0)})
    )
    with pytest.raises(AccountUnusable, match="AUTH_KEY_DUPLICATED"):
        await _adapter(sim, "sim-tg-2").connect()
    stranger = TelegramSimulator(
        world, dataclasses.replace(sim.config, accounts=("someone-else",))
    ).sessions()
    st = sim.settings()
    client = sim.client_factory(st)(TelegramAccount("ghost", stranger["someone-else"]), DAY)
    ghost = TelethonAdapter("ghost", client)
    await ghost.connect()
    with pytest.raises(AccountUnusable, match="AUTH_KEY_UNREGISTERED"):
        await ghost.resolve("anything")
    await ghost.close()
    wrong = TelethonAdapter("sim-tg-3", sim.client_factory(sim.settings(api_id=1))(st.accounts[2], DAY))
    with pytest.raises(AccountUnusable, match="cannot connect"):
        await wrong.connect()


def _rpc(code: int, message: str):
    return errors.rpc_message_to_error(types.RpcError(code, message), None)


@pytest.mark.parametrize(
    ("code", "message", "kind"),
    [
        (420, "FLOOD_WAIT_75", FloodWait),
        (401, "SESSION_REVOKED", AccountUnusable),
        (401, "AUTH_KEY_UNREGISTERED", AccountUnusable),
        (406, "AUTH_KEY_DUPLICATED", AccountUnusable),
        (401, "USER_DEACTIVATED_BAN", AccountUnusable),
        (400, "CHANNEL_PRIVATE", ChannelSkipped),
        (400, "CHANNEL_INVALID", ChannelSkipped),
        (400, "USERNAME_NOT_OCCUPIED", ChannelSkipped),
        (400, "USERNAME_INVALID", ChannelSkipped),
        (500, "RPC_CALL_FAIL", RetryableError),
        (400, "SOME_NEW_REFUSAL", ChannelSkipped),
    ],
)
def test_classification_of_genuine_telethon_errors(code, message, kind):
    failure = classify(_rpc(code, message), "GetHistoryRequest", "acc")
    assert isinstance(failure, kind)
    if isinstance(failure, FloodWait):
        assert (failure.seconds, failure.request_type, failure.account) == (75, "GetHistoryRequest", "acc")
    else:
        assert failure.code == message  # Telegram's own name, not telethon's generic BAD_REQUEST
    if message == "CHANNEL_PRIVATE":
        assert failure.status == "private"
    if message in ("CHANNEL_INVALID", "USERNAME_NOT_OCCUPIED", "USERNAME_INVALID"):
        assert failure.status == "not_found" and failure.drop_cache is (message == "CHANNEL_INVALID")


def test_a_bug_is_not_classified():
    with pytest.raises(KeyError):
        classify(KeyError("bug"), "GetHistoryRequest", "acc")


def test_the_production_client_and_a_bad_session(world):
    sim = TelegramSimulator(world)
    st = sim.settings(flood_sleep_threshold=7)
    client = make_client(st.accounts[0], st)
    assert (client.flood_sleep_threshold, client._no_updates, client.api_id) == (7, True, SIM_API_ID)
    secret = "1" + "A" * 40
    with pytest.raises(AccountUnusable) as info:
        make_client(TelegramAccount("broken", secret), st)
    assert "StringSession" in info.value.message and secret not in str(info.value)
    assert secret not in repr(TelegramAccount("broken", secret))


async def test_posts_dated_after_until_are_yielded_for_the_quarantine(world):
    """The adapter no longer drops posts dated after the snapshot day: read on DAY with the day
    before as ``until``, the last day's posts still come (the landing quarantines them, counted)."""
    sim = TelegramSimulator(world)
    page = max(world.pages_on("tg"), key=lambda p: (len(_week(world, p)), p.page_id))
    last_day = world.posts_between(page, DAY, DAY)
    assert last_day  # the busiest channel posted on DAY
    adapter = _adapter(sim)
    await adapter.connect()
    ref = await adapter.resolve(page.screen_name)
    posts = [p async for p in adapter.iter_posts(ref, SINCE, dates.window_end(DAY - timedelta(days=1)))]
    await adapter.close()
    expected = [tg_objects.expected_post(page, p, world.seed) for p in _week(world, page)]
    assert sorted(p.post_id for p in posts) == sorted(e.post_id for e in expected)
    assert sum(p.posted_at >= dates.window_end(DAY - timedelta(days=1)) for p in posts) >= 1
