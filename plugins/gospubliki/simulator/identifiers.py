"""Identifiers of generated institutions and pages: unique network ids and screen names, valid
ОГРН/ИНН check digits, and page links written in the usual variety of registry forms."""

from __future__ import annotations

import itertools

from gospubliki.simulator.seeding import rng


class Identifiers:
    """Unique ids and screen names per network."""

    def __init__(self, seed: int):
        self.r = rng(seed, "ids")
        self.ids: dict[str, set[int]] = {"vk": set(), "ok": set(), "tg": set()}
        self.screen: dict[str, set[str]] = {"vk": set(), "ok": set(), "tg": set()}

    def new_id(self, network: str) -> int:
        lo, hi = {
            "vk": (1_000_000, 230_000_000),
            "ok": (50_000_000_000_000, 70_000_000_000_000),
            "tg": (1_000_000_000, 2_400_000_000),
        }[network]
        while (i := self.r.randrange(lo, hi)) in self.ids[network]:
            pass
        self.ids[network].add(i)
        return i

    def new_screen_name(self, network: str, base: str) -> str:
        base = base[:28].strip("_") or "page"
        for n in itertools.count():
            name = base if n == 0 else f"{base}{n + 1}"
            if name not in self.screen[network]:
                self.screen[network].add(name)
                return name
        raise AssertionError("unreachable")


def inn_with_check_digit(nine: str) -> str:
    """A 10-digit legal-entity ИНН: nine digits plus the check digit."""
    w = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return nine + str(sum(int(d) * k for d, k in zip(nine, w, strict=True)) % 11 % 10)


def ogrn(region_code: str, r) -> str:
    """A 13-digit ОГРН of a legal entity registered in the region, with a valid check digit."""
    twelve = f"1{r.randrange(2, 25):02d}{region_code}{r.randrange(10**6, 10**7)}"
    return twelve + str(int(twelve) % 11 % 10)


def registry_link(network: str, page_id: int, screen: str, custom: bool, page_type: str, r) -> str:
    """The page link as someone typed it into the registry (the usual variety of forms)."""
    u = r.random()
    if network == "vk":
        if custom and u < 0.85:
            forms = (
                f"https://vk.com/{screen}",
                f"m.vk.com/{screen}/",
                f"vk.com/{screen}?from=groups",
                f"https://vk.ru/{screen}",
                f"vk.com/{screen}",
            )
        else:
            kind = "public" if page_type == "page" else "club"
            forms = (
                f"vk.com/{kind}{page_id}",
                f"https://vk.ru/public{page_id}",
                f"https://vk.com/club{page_id}",
                f"http://vk.com/{kind}{page_id}",
            )
        return forms[int(r.random() * len(forms))]
    if network == "ok":
        if custom and u < 0.7:
            return (f"https://ok.ru/{screen}", f"ok.ru/{screen}")[int(r.random() * 2)]
        return (f"ok.ru/group/{page_id}", f"https://ok.ru/group/{page_id}/")[int(r.random() * 2)]
    return (f"https://t.me/{screen}", f"t.me/s/{screen}", f"@{screen}")[int(r.random() * 3)]
