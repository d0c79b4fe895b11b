"""The objects of the simulated world: institutions (registry rows) and their pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

NETWORKS = ("vk", "ok", "tg")


@dataclass(frozen=True, slots=True)
class Institution:
    """An institution of the registry (with or without pages)."""

    institution_id: str
    name: str
    sector: str
    level: str  # federal | regional | municipal
    region_code: str
    municipality_id: str | None  # where it is located (always for municipal level)
    ogrn: str | None
    inn: str | None
    exemption_reason: str | None = None


@dataclass(slots=True)
class Page:
    """One page of an institution on one network, with the attributes that do not change by day.

    ``page_id`` is the VK group id, the OK group id or the Telegram channel id;
    ``screen_name`` is the VK screen name (``club<id>``/``public<id>`` when there is no custom
    one), the OK short name (``""`` when none) or the Telegram username. ``link`` is the URL as
    written in the registry. ``state``: ``active``, ``deleted``, ``banned`` or ``private``.
    """

    network: str
    page_id: int
    screen_name: str
    has_custom_name: bool
    link: str
    institution_id: str
    sector: str
    name: str
    page_type: str  # VK: 'page' (public) or 'group'
    state: str
    verified: bool
    has_description: bool
    has_cover: bool
    has_avatar: bool
    created: date
    pinned: bool
    post_id_base: int
    growth_per_day: float
    weight: float = 0.0  # relative size before normalisation to the sector's subscribers
    members_base: int = 0  # members on the world's base date
    posts_per_day: float = 0.0
    connected: bool = False

    @property
    def key(self) -> str:
        """Stable key of the page inside the world (``vk:12345``)."""
        return f"{self.network}:{self.page_id}"

    @property
    def is_closed(self) -> int:
        """VK ``is_closed``: 0 open, 1 closed, 2 private (closed groups only)."""
        if self.state != "private":
            return 0
        return 2 if self.page_id % 3 == 0 else 1

    @property
    def deactivated(self) -> str | None:
        return self.state if self.state in ("deleted", "banned") else None
