"""Tokens and accounts a national day needs to be read inside a time budget (issue #10, item 6),
from the requests one day of extraction actually sent.

Pure arithmetic, no database and no network: ``benchmarks/bench.py --stages capacity`` feeds it
the seed day's ``raw.loads.details`` (the real extractors against the simulator) and the national
world's page counts; ``tests/unit/test_capacity_plan.py`` checks it with exact figures.

Each network's requests are scaled from the pages of the measured day to the pages of a national
day, then divided by what one credential may send within the budget; where a daily quota exists
too, the credentials are the larger of the two bounds. The limits are those of
``/work/shared/reference/social-apis.md`` (cited per constant) or the project's configured pacing
where no limit is published (passed in by the caller, read from the settings).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from gospubliki.extract.telegram_resolve import ResolvePlan, resolve_plan

#: issue #10, item 6: a national day read inside 2 hours
NATIONAL_DAY_BUDGET_S = 7200

#: VK requests per second per token. social-apis.md §1.6: user tokens 3 rps, service tokens 3–5
#: rps depending on the source ("Plan for 3–5 rps per service key"); vk_api paces one ``VkApi`` at
#: ``RPS_DELAY = 0.34`` s. The lower figure, as the project's default ``GOSPUBLIKI_VK_RPS``.
VK_RPS_PER_TOKEN = 3

#: ``wall.get`` invocations per token and day. social-apis.md §1.6: "wall.get 5,000 calls/day";
#: calls made inside ``execute`` count toward it (vk_api #411, #143); whether the cap is per token,
#: user or application is not documented (§1.6, §1.9 "[?]") — taken per token here.
VK_WALL_GET_PER_DAY = 5_000

#: ``wall.get`` calls in one ``execute`` (social-apis.md §1.4: at most 25 API calls per execute):
#: the upper bound of the quota used when a load did not record its inner calls.
VK_CALLS_PER_EXECUTE = 25

#: Telegram ``GetHistory`` requests per second per account. social-apis.md §2.8: "the docstring
#: estimate of about 10 GetHistory calls per 30 s per account". Flood waits are kept per request
#: type (§2.6), so ``GetFullChannel`` is not counted against this one.
TG_HISTORY_PER_S = Fraction(10, 30)

#: Telegram requests sent once per account and run, not per channel (session start-up)
TG_SESSION_METHODS = frozenset({"GetStateRequest", "GetUsersRequest", "GetDifferenceRequest"})
TG_RESOLVE = "ResolveUsernameRequest"  # one-time per channel: the resolve plan, not the daily read


@dataclass(frozen=True)
class Measured:
    """What one extracted day cost: the pages of its load and the HTTP/MTProto requests sent by
    method (``details.requests.by_method``); for VK also the calls inside ``execute``
    (``details.inner_calls``) and the extraction's wall seconds when known."""

    pages: int
    by_method: Mapping[str, int]
    inner_calls: Mapping[str, int] | None = None
    seconds: float | None = None

    @classmethod
    def from_details(cls, details: Mapping, seconds: float | None = None) -> Measured:
        return cls(
            pages=int(details["pages"]),
            by_method=dict(details["requests"]["by_method"]),
            inner_calls=dict(details["inner_calls"]) if "inner_calls" in details else None,
            seconds=float(seconds) if seconds is not None else None,
        )

    @property
    def requests(self) -> int:
        return sum(self.by_method.values())

    def per_1000_pages(self, count: int | None = None) -> float:
        """``count`` (default: every request) per 1 000 pages of this day, one decimal."""
        return round(1000 * (self.requests if count is None else count) / self.pages, 1)


@dataclass(frozen=True)
class Plan:
    """Credentials one network needs for ``pages`` pages inside ``budget_s`` seconds.

    ``bounds``: credentials needed under each limit, by the limit's name; ``credentials`` is the
    largest. ``requests`` (and ``quota_calls``) are the national day's figures, scaled from the
    measured day and rounded up. ``seconds``: the day's reading time with ``credentials`` sending at
    their limit at once (rounded up; server time not counted).
    """

    network: str
    pages: int
    budget_s: int
    requests: int
    bounds: dict[str, int]
    seconds: int
    quota_calls: int | None = None
    quota_measured: bool = True  # False: the quota's calls are an upper bound (not recorded)
    resolve: ResolvePlan | None = None
    extra: dict = field(default_factory=dict)

    @property
    def credentials(self) -> int:
        return max(self.bounds.values())

    @property
    def binding(self) -> str:
        """The limit that sets ``credentials`` (the first named on a tie)."""
        return max(self.bounds, key=lambda k: self.bounds[k])


def scaled(count: int, measured_pages: int, pages: int) -> Fraction:
    """``count`` of a day of ``measured_pages`` pages, for ``pages`` pages (exact)."""
    if measured_pages <= 0:
        raise ValueError("the measured day has no pages")
    return Fraction(count * pages, measured_pages)


def rate_bound(requests: Fraction | int, per_second: Fraction | float, budget_s: int) -> int:
    """Credentials sending ``per_second`` each that send ``requests`` within ``budget_s`` (≥ 1)."""
    return max(1, math.ceil(Fraction(requests) / (Fraction(per_second) * budget_s)))


def quota_bound(calls: Fraction | int, per_day: int) -> int:
    """Credentials with ``per_day`` calls each that make ``calls`` in one day (≥ 1)."""
    return max(1, math.ceil(Fraction(calls) / per_day))


def _seconds(requests: Fraction, per_second: Fraction, credentials: int) -> int:
    return math.ceil(requests / (per_second * credentials))


def vk_plan(
    measured: Measured,
    pages: int,
    *,
    budget_s: int = NATIONAL_DAY_BUDGET_S,
    rps: float = VK_RPS_PER_TOKEN,
    wall_get_per_day: int = VK_WALL_GET_PER_DAY,
) -> Plan:
    """VK tokens: every request (``execute``, ``groups.getById``) at ``rps`` per token, and the
    ``wall.get`` calls inside ``execute`` within ``wall_get_per_day`` per token."""
    requests = scaled(measured.requests, measured.pages, pages)
    wall_get = (measured.inner_calls or {}).get("wall.get")
    recorded = wall_get is not None
    if not recorded:  # an older load: every execute taken as a full batch
        wall_get = measured.by_method.get("execute", 0) * VK_CALLS_PER_EXECUTE
    calls = scaled(wall_get, measured.pages, pages)
    bounds = {"rate": rate_bound(requests, rps, budget_s), "quota": quota_bound(calls, wall_get_per_day)}
    tokens = max(bounds.values())
    return Plan("vk", pages, budget_s, math.ceil(requests), bounds, _seconds(requests, Fraction(rps), tokens),
                quota_calls=math.ceil(calls), quota_measured=recorded)


def ok_plan(
    measured: Measured,
    pages: int,
    *,
    rps: float,
    budget_s: int = NATIONAL_DAY_BUDGET_S,
    calls_per_day: int | None = None,
) -> Plan:
    """OK tokens: every request at ``rps`` per token — social-apis.md §3.5 found no published
    per-second limit, so ``rps`` is the project's pacing (``GOSPUBLIKI_OK_RPS``); with
    ``calls_per_day`` (an assumed daily budget: none is published either) also that quota."""
    requests = scaled(measured.requests, measured.pages, pages)
    bounds = {"rate": rate_bound(requests, rps, budget_s)}
    if calls_per_day:
        bounds["quota"] = quota_bound(requests, calls_per_day)
    tokens = max(bounds.values())
    return Plan("ok", pages, budget_s, math.ceil(requests), bounds, _seconds(requests, Fraction(rps), tokens),
                quota_calls=math.ceil(requests) if calls_per_day else None)


def tg_plan(
    measured: Measured,
    channels: int,
    *,
    channel_interval: float,
    resolves_per_day: int,
    usernames: int | None = None,
    budget_s: int = NATIONAL_DAY_BUDGET_S,
    history_per_s: Fraction | float = TG_HISTORY_PER_S,
) -> Plan:
    """Telegram accounts for the daily read of ``channels`` channels, and the one-time resolve.

    Daily: the measured ``GetFullChannel`` + ``GetHistory`` (+ any other per-channel request) per
    channel, scaled; the accounts are the larger of the ``GetHistory`` bound (``history_per_s`` per
    account) and the project's pacing (one channel per ``channel_interval`` seconds per account,
    ``GOSPUBLIKI_TG_CHANNEL_INTERVAL``). Resolves and session start-up are left out of the daily
    read. Resolve: ``usernames`` (default ``channels``) with those accounts at ``resolves_per_day``
    each (``GOSPUBLIKI_TG_RESOLVE_DAILY_BUDGET``): :func:`resolve_plan`.
    """
    reading = {m: n for m, n in measured.by_method.items() if m != TG_RESOLVE and m not in TG_SESSION_METHODS}
    requests = scaled(sum(reading.values()), measured.pages, channels)
    history = scaled(reading.get("GetHistoryRequest", 0), measured.pages, channels)
    pacing = Fraction(channels) * Fraction(channel_interval)  # account-seconds at the configured pace
    bounds = {
        "history": rate_bound(history, history_per_s, budget_s),
        "pacing": max(1, math.ceil(pacing / budget_s)),
    }
    accounts = max(bounds.values())
    seconds = math.ceil(max(history / Fraction(history_per_s), pacing) / accounts)
    plan = resolve_plan(channels if usernames is None else usernames, accounts, resolves_per_day)
    return Plan("tg", channels, budget_s, math.ceil(requests), bounds, seconds, resolve=plan,
                extra={"history_requests": math.ceil(history)})
