"""The simulated world: registry institutions, their pages on VK/OK/Telegram, and each page's
state on any day.

``build_world(Scale.from_name("region"), seed=1)`` is deterministic: the same seed and scale give
the same world byte for byte (``World.fingerprint()``), whatever the time or the call order.
The figures it reproduces and how they are read are documented in ``scale.py``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from gospubliki.reference.catalog import Municipality
from gospubliki.simulator import activity
from gospubliki.simulator.activity import Post
from gospubliki.simulator.generate import generate
from gospubliki.simulator.model import Institution, Page
from gospubliki.simulator.scale import Scale

BASE_DATE = date(2026, 1, 1)  # the day members equal the normalised figures
_ID_REF = re.compile(r"^(?:club|public|event)?(\d+)$")


@dataclass(eq=True)
class World:
    """Institutions and pages of a world, indexed by VK id and screen name."""

    seed: int
    scale: Scale
    base_date: date
    municipalities: tuple[Municipality, ...] = field(repr=False)
    institutions: tuple[Institution, ...] = field(repr=False)
    pages: tuple[Page, ...] = field(repr=False)
    _vk_by_id: dict[int, Page] = field(default_factory=dict, compare=False, repr=False)
    _vk_by_name: dict[str, Page] = field(default_factory=dict, compare=False, repr=False)
    _by_institution: dict[str, list[Page]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for p in self.pages:
            self._by_institution.setdefault(p.institution_id, []).append(p)
            if p.network == "vk":
                self._vk_by_id[p.page_id] = p
                self._vk_by_name[p.screen_name.lower()] = p

    # ------------------------------------------------------------------ look-ups
    def vk_page(self, ref: str | int) -> Page | None:
        """A VK page by numeric id, ``club123``/``public123``, or screen name (any case)."""
        text = str(ref).strip().lower()
        if (page := self._vk_by_name.get(text)) is not None:
            return page
        m = _ID_REF.match(text)
        return self._vk_by_id.get(int(m.group(1))) if m else None

    def pages_of(self, institution_id: str) -> list[Page]:
        return self._by_institution.get(institution_id, [])

    def pages_on(self, network: str) -> list[Page]:
        return [p for p in self.pages if p.network == network]

    # ------------------------------------------------------------------ state on a day
    def members_on(self, page: Page, day: date) -> int:
        return activity.members_on(page, day, self.seed, self.base_date)

    def wall(self, page: Page, day: date, offset: int = 0, count: int = 20) -> tuple[int, list[Post]]:
        return activity.wall(page, day, self.seed, offset, count)

    def posts_between(self, page: Page, first_day: date, last_day: date) -> list[Post]:
        """Posts published on ``first_day`` … ``last_day``, counters as of ``last_day``."""
        idx = activity.post_indexes_between(page, first_day, last_day, self.seed)
        return [activity.post(page, i, last_day, self.seed) for i in idx]

    # ------------------------------------------------------------------ figures
    def summary(self, day: date | None = None) -> dict:
        """The headline figures of the world on ``day`` (default: the base date), per sector too."""
        day = day or self.base_date
        week = (day - timedelta(days=6), day)
        created = {p.institution_id for p in self.pages}
        sectors: dict[str, dict] = {}
        for inst in self.institutions:
            s = sectors.setdefault(inst.sector, {"target": 0, "created": 0, "subscribers": 0, "pages": 0})
            s["target"] += 1
            s["created"] += inst.institution_id in created
        totals = {"subscribers": 0, "connected_subscribers": 0, "posts_per_week": 0}
        for p in self.pages:
            m = 0 if p.deactivated else self.members_on(p, day)
            sectors[p.sector]["subscribers"] += m
            sectors[p.sector]["pages"] += 1
            totals["subscribers"] += m
            totals["connected_subscribers"] += m if p.connected else 0
            totals["posts_per_week"] += len(activity.post_indexes_between(p, *week, self.seed))
        for s in sectors.values():
            s["to_create"] = s["target"] - s["created"]
        return {
            "institutions": len(created),
            "registry_rows": len(self.institutions),
            "pages": len(self.pages),
            **totals,
            "sectors": sectors,
        }

    def fingerprint(self) -> str:
        """SHA-256 over every institution and page attribute (equal worlds, equal fingerprints)."""
        h = hashlib.sha256()
        for row in (*self.municipalities, *self.institutions, *self.pages):
            h.update(repr(row).encode("utf-8"))
        return h.hexdigest()


def build_world(scale: Scale | None = None, seed: int = 1, base_date: date = BASE_DATE) -> World:
    """Generate the world (seconds at national scale)."""
    scale = scale or Scale.from_name("region")
    municipalities, institutions, pages = generate(scale, seed, base_date)
    return World(seed, scale, base_date, municipalities, tuple(institutions), tuple(pages))
