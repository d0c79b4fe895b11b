"""Municipality names as people write them → the reference municipality (pure Python).

Published ratings, expert spreadsheets and letters spell one municipality many ways::

    Котельничский м.р. · Котельничский муниципальный район · Котельничский район
    г.о. Котельнич · город Котельнич · МО "Город Котельнич" · Котельнич г.
    ЗАТО Первомайский · ЗАТО «Первомайский» · Первомайский ЗАТО

:class:`MunicipalityNames` reads a name as **a base name and a kind**: the type words (before or
after the name, abbreviated or not, in any case, with or without quotes, «МО» / «муниципальное
образование», «ё» or «е») are taken out and only their kind is kept — a city okrug (``г.о.``,
``город``, ``г.``), a district or municipal okrug (``м.р.`` and ``м.о.`` are one kind: regions
turn districts into okrugs by law and publish the old type for a while), or a ЗАТО. The base name
must then match one reference municipality of the region (of that kind, when a kind was given).

* an alias (``dbt_project/seeds/municipality_aliases.csv``) is looked up first, whole;
* a base name one letter away from exactly one reference name (a letter missing, extra, wrong or
  two swapped) is accepted with a warning naming the correction;
* anything else is refused with the closest reference names (difflib) as suggestions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

CITY, DISTRICT, ZATO = "city", "district", "zato"
#: the kind of each reference type (м.р. and м.о. are one kind on purpose, see the module doc)
KIND_OF_TYPE = {"г.о.": CITY, "м.р.": DISTRICT, "м.о.": DISTRICT, "ЗАТО": ZATO}

# type words, longest first; kind None = a generic word that says nothing about the kind
_TYPE_WORDS: tuple[tuple[str, str | None], ...] = (
    (r"муниципальн\w*\s+образовани\w*", None),
    (r"городск\w*\s+округ\w*", CITY),
    (r"муниципальн\w*\s+(?:район|округ)\w*", DISTRICT),
    (r"закрыт\w*\s+административно-территориальн\w*\s+образовани\w*", ZATO),
    (r"зато", ZATO),
    (r"г\.\s*о\.?|го", CITY),
    (r"м\.\s*[ро]\.?|мр|р-н|район[аеу]?|округ[аеу]?", DISTRICT),
    (r"город[аеу]?|г\.?", CITY),
    (r"мо|пгт\.?|пос\.?|п\.|поселок", None),
)
_TYPE_RE = [(re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])"), kind) for pattern, kind in _TYPE_WORDS]


def normalise(text: str) -> str:
    """Lower case, «ё» → «е», quotes and commas → spaces, one space, hyphens without spaces."""
    text = text.lower().replace("ё", "е")
    text = re.sub(r"[«»\"“”„'`,;()]", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"\.(?=\w)", ". ", text)  # «г.Котельнич» → «г. котельнич»
    return re.sub(r"\s+", " ", text).strip()


def split_name(text: str) -> tuple[str, str | None]:
    """``'МО "Город Котельнич"'`` → ``('котельнич', 'city')``: the base name and the kind named."""
    rest, kinds = normalise(text), []
    for pattern, kind in _TYPE_RE:
        if pattern.search(rest):
            kinds.append(kind)
            rest = pattern.sub(" ", rest)
    named = {k for k in kinds if k}
    base = re.sub(r"\s+", " ", rest.replace(".", " ")).strip()
    return base, (named.pop() if len(named) == 1 else None)


def display_name(name: str, municipality_type: str) -> str:
    """The reference's own display form: «Котельничский м.р.», «ЗАТО Первомайский»."""
    return f"ЗАТО {name}" if municipality_type == "ЗАТО" else f"{name} {municipality_type}"


@dataclass(frozen=True)
class Reference:
    municipality_id: str
    region_code: str
    name: str
    municipality_type: str

    @property
    def display_name(self) -> str:
        return display_name(self.name, self.municipality_type)

    @property
    def kind(self) -> str | None:
        return KIND_OF_TYPE.get(self.municipality_type)


@dataclass(frozen=True)
class Match:
    municipality_id: str
    reference_name: str  # the reference's display name
    warning: str | None = None  # set when a one-letter slip was corrected


class UnknownMunicipality(ValueError):
    """No reference municipality for a name; ``suggestions`` holds the closest reference names."""

    def __init__(self, message: str, suggestions: Iterable[str] = ()):
        self.suggestions = tuple(suggestions)
        hint = f"; closest: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(message + hint)


def _one_letter_apart(a: str, b: str) -> bool:
    """One letter missing, extra, different, or two neighbours swapped (a ≠ b)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


class MunicipalityNames:
    """Resolve written names against reference municipalities and aliases.

    :param municipalities: the reference rows (``reference.municipalities``).
    :param aliases: ``(alias, municipality_id)`` pairs: spellings the rules cannot derive and
        the display names methodologies publish (``municipality_aliases.csv``).
    """

    def __init__(self, municipalities: Iterable[Reference], aliases: Iterable[tuple[str, str]] = ()):
        self.by_id = {m.municipality_id: m for m in municipalities}
        self.aliases: dict[str, set[str]] = {}
        for alias, municipality_id in aliases:
            if municipality_id in self.by_id:
                self.aliases.setdefault(normalise(alias), set()).add(municipality_id)

    def resolve(self, text: str, region_code: str = "") -> Match:
        """The reference municipality ``text`` names (in ``region_code``, if given).

        :raises UnknownMunicipality: no municipality, or several, with the closest names.
        """
        key = normalise(text)
        if key in self.by_id:
            return self._match(key)
        pool = [m for m in self.by_id.values() if not region_code or m.region_code == region_code]
        in_region = {m.municipality_id for m in pool}
        aliased = self.aliases.get(key, set()) & in_region
        if len(aliased) == 1:
            return self._match(aliased.pop())
        base, kind = split_name(text)
        of_kind = [m for m in pool if kind is None or m.kind == kind]
        found = [m for m in of_kind if normalise(m.name) == base]
        if len(found) == 1:
            return self._match(found[0].municipality_id)
        where = f" in region {region_code}" if region_code else ""
        if len(found) > 1:
            regions = {m.region_code for m in found}
            if len(regions) > 1:
                raise UnknownMunicipality(f"municipality {text!r} exists in several regions: give region_code")
            raise UnknownMunicipality(
                f"municipality {text!r}{where} is ambiguous: add its type",
                sorted(m.display_name for m in found),
            )
        slips = [m for m in of_kind if len(base) >= 4 and _one_letter_apart(normalise(m.name), base)]
        if len(slips) == 1:
            m = slips[0]
            return self._match(
                m.municipality_id, f"{text!r} read as «{m.display_name}» (one-letter slip corrected)"
            )
        raise UnknownMunicipality(f"unknown municipality {text!r}{where}", self.suggest(text, pool))

    def suggest(self, text: str, pool: list[Reference], n: int = 3) -> list[str]:
        """The ``n`` reference display names closest to ``text`` (by base name)."""
        base, _ = split_name(text)
        by_base: dict[str, list[str]] = {}
        for m in pool:
            by_base.setdefault(normalise(m.name), []).append(m.display_name)
        close = difflib.get_close_matches(base, list(by_base), n=n, cutoff=0.6)
        return [name for c in close for name in sorted(by_base[c])][:n]

    def _match(self, municipality_id: str, warning: str | None = None) -> Match:
        return Match(municipality_id, self.by_id[municipality_id].display_name, warning)
