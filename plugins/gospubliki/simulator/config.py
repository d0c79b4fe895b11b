"""Settings of the API emulator (limits like the real VK API's) and injectable faults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gospubliki.simulator import anomalies

DEFAULT_VK_TOKENS = ("sim-vk-1", "sim-vk-2", "sim-vk-3", "sim-vk-4")
DEFAULT_OK_APP_KEY = "CBASIMOKAPPKEY"
DEFAULT_OK_APP_SECRET = "sim-ok-application-secret"
DEFAULT_OK_TOKENS = ("sim-ok-1", "sim-ok-2")


@dataclass(frozen=True)
class EmulatorConfig:
    """Limits of the emulated VK API (defaults as documented in ``shared/reference/social-apis.md``).

    :param tokens: accepted ``access_token`` values (others get error 5).
    :param rate_per_second: requests per token in any sliding 1 s window (more: error 6).
    :param wall_get_daily_quota: ``wall.get`` invocations per token per simulated day, calls inside
        ``execute`` included (more: error 29).
    """

    tokens: tuple[str, ...] = DEFAULT_VK_TOKENS
    rate_per_second: int = 20
    wall_get_daily_quota: int = 5_000
    max_execute_calls: int = 25
    max_group_ids: int = 500
    max_wall_count: int = 100
    # OK (see ok_emulator.py): one application, its access tokens, a daily call budget per token
    # (more: error 11), 100 uids per group.getInfo, 100 topics per mediatopic.getTopics page, and
    # the shape of group.getInfo: 'array' (a bare JSON array) or 'groups' ({"groups": [...]})
    ok_application_key: str = DEFAULT_OK_APP_KEY
    ok_application_secret_key: str = DEFAULT_OK_APP_SECRET
    ok_tokens: tuple[str, ...] = DEFAULT_OK_TOKENS
    ok_daily_call_budget: int = 10_000
    ok_max_uids: int = 100
    ok_max_topics_count: int = 100
    ok_getinfo_shape: str = "array"


@dataclass
class Faults:
    """Faults to inject (mutable: a test may change them while the server runs).

    :param negative_members_on: simulated days on which ``groups.getById`` (and OK's
        ``group.getInfo``) reports every page's ``members_count`` negated (a corrupted source the
        validation must block).
    :param server_error_every: every Nth HTTP request answers VK error 10 (Internal server error).
    :param rate_limit_every: every Nth HTTP request answers VK error 6 (Too many requests per
        second) whatever the real pace: a burst a test can count on, however fast the machine.
    :param slow_seconds: delay before every response.
    :param revoked_tokens: tokens that answer error 5 as if revoked.
    :param vk_wall_anomalies: VK page id -> implausible posts in the first page of its wall
        (``wall.get`` offset 0), by kind: ``after_day`` k posts dated after the simulated day,
        ``after_now`` k posts dated in 2100, ``repeated`` the first k posts served twice,
        ``negative_likes`` the k posts after those with a negative like count.
    :param page_errors: world page key (``vk:123``, ``ok:5712…``) -> ``{method: error code}``: that
        method answers the code for that page, any code (known or not: VK 19, 30, 9999 …).
        VK methods ``groups.getById`` (the whole request naming the page fails, as the real API's
        batch does) and ``wall.get`` (inside ``execute``: ``false`` plus an ``execute_errors``
        entry); OK ``group.getInfo`` (the request), ``mediatopic.getTopics``, ``url.getInfo``.
    :param page_anomalies: world page key -> kind of payload anomaly
        (:mod:`gospubliki.simulator.anomalies`: ``huge_members``, ``missing_counters``,
        ``post_not_object`` …).
    """

    negative_members_on: set[date] = field(default_factory=set)
    server_error_every: int | None = None
    rate_limit_every: int | None = None
    slow_seconds: float = 0.0
    revoked_tokens: set[str] = field(default_factory=set)
    vk_wall_anomalies: dict[int, dict[str, int]] = field(default_factory=dict)
    ok_token_errors: dict[str, int] = field(default_factory=dict)  # OK token -> error code it answers
    ok_error_every: int | None = None  # every Nth OK request answers error 2 (service unavailable)
    ok_http_error_every: int | None = None  # every Nth OK request answers HTTP 503
    page_errors: dict[str, dict[str, int]] = field(default_factory=dict)
    page_anomalies: dict[str, str] = field(default_factory=dict)

    def page_error(self, page_key: str, method: str) -> int | None:
        """The error code injected for ``method`` on the page (``None``: none)."""
        return self.page_errors.get(page_key, {}).get(method)

    def anomaly(self, page_key: str) -> str | None:
        """The payload anomaly injected for the page (``None``: none)."""
        kind = self.page_anomalies.get(page_key)
        return anomalies.check(kind) if kind is not None else None
