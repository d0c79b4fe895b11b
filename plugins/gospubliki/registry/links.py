"""Normalise page links from the registry to one key per page.

Registries are typed by hand: the same VK community appears as ``vk.com/club123``,
``https://vk.ru/public123/``, ``m.vk.com/gorod_kirov?w=wall-1_2`` or just ``gorod_kirov``. Each
network's normaliser returns a :class:`PageRef` whose ``key`` (``'<network>:<ref>'``) is the same
for every spelling of one page, and whose ``ref`` is what the network's API accepts.

A link that cannot be a page of that network raises :class:`BadLink` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


class BadLink(ValueError):
    """The text is not a link to a page of the expected network."""


@dataclass(frozen=True)
class PageRef:
    network: str  # vk | ok | tg
    ref: str  # numeric id as text, or a lower-cased screen name / username

    @property
    def key(self) -> str:
        return f"{self.network}:{self.ref}"


_VK_HOSTS = {"vk.com", "vk.ru", "m.vk.com", "m.vk.ru", "www.vk.com", "www.vk.ru", "new.vk.com", "vkontakte.ru"}
_OK_HOSTS = {"ok.ru", "m.ok.ru", "www.ok.ru", "odnoklassniki.ru", "www.odnoklassniki.ru"}
_TG_HOSTS = {"t.me", "telegram.me", "www.t.me", "www.telegram.me"}

_VK_NUMERIC = re.compile(r"^(?:club|public|event)(\d+)$")
_VK_SCREEN = re.compile(r"^[a-z0-9_.]{2,64}$")
# VK pages that are not communities, or service paths
_VK_RESERVED = {"wall", "feed", "im", "search", "groups", "friends", "video", "audio", "apps", "id", "login", "away.php"}
_OK_SCREEN = re.compile(r"^[a-z0-9_.\-]{2,64}$")
_OK_RESERVED = {"group", "groups", "profile", "feed", "dk", "music", "video", "messages", "game", "app"}
_TG_USERNAME = re.compile(r"^[a-z][a-z0-9_]{3,31}$")
_TG_RESERVED = {"joinchat", "addstickers", "share", "proxy", "socks", "iv", "login", "c"}


def _split(text: str, hosts: set[str], network: str) -> tuple[str | None, list[str]]:
    """Return (host, path segments) of a link, accepting links without a scheme or host."""
    raw = text.strip()
    if not raw:
        raise BadLink(f"empty {network} link")
    if re.search(r"\s", raw):
        raise BadLink(f"{network} link contains spaces: {raw!r}")
    candidate = raw if "://" in raw else "https://" + raw
    parts = urlsplit(candidate)
    host = (parts.hostname or "").lower()
    if host in hosts:
        path = parts.path
    elif "." in host:  # some other site
        raise BadLink(f"not a {network} link (host {host!r}): {raw!r}")
    else:  # a bare screen name such as 'gorod_kirov' or '@channel'
        host, path = None, raw.split("?", 1)[0].split("#", 1)[0]
    segments = [unquote(s) for s in path.split("/") if s]
    return host, segments


def normalize_vk(text: str) -> PageRef:
    """``vk.com/club123`` → ``vk:123``; ``m.vk.com/Gorod_Kirov/?w=…`` → ``vk:gorod_kirov``."""
    _host, segments = _split(text, _VK_HOSTS, "VK")
    if not segments:
        raise BadLink(f"VK link has no page: {text!r}")
    name = segments[0].lower()
    if m := _VK_NUMERIC.match(name):
        group_id = int(m.group(1))
        if group_id <= 0:
            raise BadLink(f"VK community id must be positive: {text!r}")
        return PageRef("vk", str(group_id))
    if re.fullmatch(r"id\d+", name):
        raise BadLink(f"VK link points at a personal profile, not a community: {text!r}")
    if name in _VK_RESERVED or not _VK_SCREEN.match(name) or name.isdigit():
        raise BadLink(f"not a VK community link: {text!r}")
    return PageRef("vk", name)


def normalize_ok(text: str) -> PageRef:
    """``ok.ru/group/57...`` and ``ok.ru/group57...`` → ``ok:57...``; ``ok.ru/name`` → ``ok:name``."""
    _host, segments = _split(text, _OK_HOSTS, "OK")
    if not segments:
        raise BadLink(f"OK link has no page: {text!r}")
    first = segments[0].lower()
    if first == "group" and len(segments) > 1 and segments[1].isdigit():
        return PageRef("ok", segments[1])
    if m := re.fullmatch(r"group(\d+)", first):
        return PageRef("ok", m.group(1))
    if first.isdigit():
        return PageRef("ok", first)
    if first in _OK_RESERVED or first.startswith("profile") or not _OK_SCREEN.match(first):
        raise BadLink(f"not an OK group link: {text!r}")
    return PageRef("ok", first)


def normalize_tg(text: str) -> PageRef:
    """``https://t.me/s/Name``, ``t.me/name``, ``@name`` → ``tg:name``."""
    raw = text.strip()
    if raw.startswith("@"):
        raw = raw[1:]
    host, segments = _split(raw, _TG_HOSTS, "Telegram")
    if not segments:
        raise BadLink(f"Telegram link has no channel: {text!r}")
    if host and segments[0].lower() == "s" and len(segments) > 1:
        segments = segments[1:]
    name = segments[0].lower()
    if name in _TG_RESERVED or name.startswith("+"):
        raise BadLink(f"Telegram link is an invite or service link, not a public channel: {text!r}")
    if not _TG_USERNAME.match(name):
        raise BadLink(f"not a Telegram channel username: {text!r}")
    return PageRef("tg", name)


NORMALIZERS = {"vk": normalize_vk, "ok": normalize_ok, "tg": normalize_tg}
