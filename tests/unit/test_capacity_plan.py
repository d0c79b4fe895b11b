"""The capacity arithmetic of ``make bench BENCH=capacity`` (``gospubliki.capacity``): tokens and
accounts for a national day inside 2 hours, from a measured day's requests — exact figures."""

from __future__ import annotations

import pytest

from gospubliki.capacity import (
    NATIONAL_DAY_BUDGET_S,
    VK_RPS_PER_TOKEN,
    VK_WALL_GET_PER_DAY,
    Measured,
    ok_plan,
    tg_plan,
    vk_plan,
)

# the region seed day's VK load: 1 355 pages, 53 execute + 3 groups.getById; 1 330 wall.get inside
VK_DAY = Measured(1355, {"execute": 53, "groups.getById": 3}, {"wall.get": 1330})


def test_the_limits_are_those_of_the_reference():
    assert (NATIONAL_DAY_BUDGET_S, VK_RPS_PER_TOKEN, VK_WALL_GET_PER_DAY) == (7200, 3, 5000)


def test_vk_the_daily_wall_get_quota_binds_a_national_day_in_2_hours():
    plan = vk_plan(VK_DAY, 61_000)
    # 56 × 61 000 / 1 355 = 2 521.03 requests: 0.12 of one token's 3 rps × 7 200 s
    # 1 330 × 61 000 / 1 355 = 59 874.5 wall.get: 11.97 tokens' 5 000
    assert (plan.requests, plan.quota_calls, plan.quota_measured) == (2522, 59_875, True)
    assert plan.bounds == {"rate": 1, "quota": 12} and (plan.credentials, plan.binding) == (12, "quota")
    assert plan.seconds == 71  # 2 521.03 requests over 12 tokens at 3 rps: 70.03 s


def test_vk_the_rate_binds_when_the_budget_is_a_minute():
    plan = vk_plan(VK_DAY, 61_000, budget_s=60)
    # 2 521.03 requests / (3 rps × 60 s) = 14.006 → 15 tokens; the quota still needs 12
    assert plan.bounds == {"rate": 15, "quota": 12} and (plan.credentials, plan.binding) == (15, "rate")


def test_vk_without_recorded_inner_calls_the_quota_is_bounded_by_full_executes():
    plan = vk_plan(Measured(1355, {"execute": 53, "groups.getById": 3}), 61_000)
    # 53 × 25 = 1 325 wall.get at most → 59 649.4 nationally → 12 tokens, flagged as a bound
    assert (plan.quota_calls, plan.quota_measured, plan.bounds["quota"]) == (59_650, False, 12)


def test_vk_measured_per_1000_pages_and_from_load_details():
    details = {"pages": 1355, "requests": {"total": 56, "by_method": {"execute": 53, "groups.getById": 3}},
               "inner_calls": {"wall.get": 1330}}
    measured = Measured.from_details(details, seconds=1.466)
    assert measured == Measured(1355, {"execute": 53, "groups.getById": 3}, {"wall.get": 1330}, 1.466)
    assert (measured.requests, measured.per_1000_pages(), measured.per_1000_pages(1330)) == (56, 41.3, 981.5)


def test_ok_the_configured_pace_and_an_assumed_daily_budget():
    day = Measured(401, {"url.getInfo": 182, "group.getInfo": 4, "mediatopic.getTopics": 396})
    plan = ok_plan(day, 17_395, rps=5)
    # 582 × 17 395 / 401 = 25 246.6 requests / (5 rps × 7 200 s) = 0.70 → 1 token
    assert (plan.requests, plan.bounds, plan.quota_calls) == (25_247, {"rate": 1}, None)
    assert plan.seconds == 5050  # 25 246.6 requests of one token at 5 rps: 5 049.3 s
    plan = ok_plan(day, 17_395, rps=5, calls_per_day=10_000)
    assert plan.bounds == {"rate": 1, "quota": 3} and plan.credentials == 3
    assert plan.seconds == 1684  # 25 246.6 / (5 × 3) = 1 683.1 s


# the region seed day's Telegram load: 242 channels, every one resolved on its first day
TG_DAY = Measured(242, {"GetFullChannelRequest": 242, "GetHistoryRequest": 233, "ResolveUsernameRequest": 242,
                        "GetStateRequest": 3, "GetUsersRequest": 3, "GetDifferenceRequest": 3})


def test_tg_accounts_for_11159_channels_in_2_hours_and_the_days_to_resolve_them():
    plan = tg_plan(TG_DAY, 11_159, channel_interval=3, resolves_per_day=200)
    # daily read: (242 + 233) × 11 159 / 242 = 21 903 requests (no resolves, no session start-up);
    # GetHistory 233 × 11 159 / 242 = 10 744 at 10 per 30 s = 4.48 → 5 accounts;
    # the pace of one channel per 3 s: 33 477 account-seconds / 7 200 = 4.65 → 5
    assert (plan.requests, plan.extra["history_requests"]) == (21_903, 10_744)
    assert plan.bounds == {"history": 5, "pacing": 5} and plan.credentials == 5
    assert plan.seconds == 6696  # the pace binds the time: 33 477 s / 5 accounts = 6 695.4 s
    # resolve: 11 159 usernames / (5 accounts × 200 a day) → 12 days; 8 accounts make a week
    assert (plan.resolve.days, plan.resolve.accounts_for_week) == (12, 8)


@pytest.mark.parametrize(
    ("interval", "bounds", "days"),
    [
        (6, {"history": 5, "pacing": 10}, 6),  # a slower pace binds: 66 954 s / 7 200 → 10; 11 159 / 2 000
        (1, {"history": 5, "pacing": 2}, 12),  # a faster pace: GetHistory binds
    ],
)
def test_tg_the_binding_limit_sets_the_accounts_and_the_resolve_days(interval, bounds, days):
    plan = tg_plan(TG_DAY, 11_159, channel_interval=interval, resolves_per_day=200)
    assert plan.bounds == bounds and plan.credentials == max(bounds.values()) and plan.resolve.days == days


def test_a_measured_day_without_pages_is_refused():
    with pytest.raises(ValueError, match="no pages"):
        vk_plan(Measured(0, {"execute": 1}), 61_000)
