"""The municipality name normaliser (``gospubliki.reference.names``) on the spellings people use:
the 45 names of a published regional rating (10 of which the old importer rejected), the type
before or after the name, quotes, «МО», «город», «ЗАТО», ё/е, district vs okrug, one-letter slips."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gospubliki.reference.catalog import read_municipalities
from gospubliki.reference.names import MunicipalityNames, Reference, UnknownMunicipality, split_name

PUBLISHED = Path(__file__).parents[1] / "data" / "kirov_rating_names.csv"


@pytest.fixture(scope="module")
def names() -> MunicipalityNames:
    return MunicipalityNames(
        Reference(m.municipality_id, m.region_code, m.name, m.municipality_type) for m in read_municipalities()
    )


def test_the_45_names_of_a_published_rating_resolve_with_one_warning(names):
    with PUBLISHED.open(encoding="utf-8", newline="") as fh:
        published = [(r["published_name"], r["municipality_id"]) for r in csv.DictReader(fh)]
    assert len(published) == 45
    matches = {text: names.resolve(text, "43") for text, _ in published}
    assert {text: m.municipality_id for text, m in matches.items()} == dict(published)
    assert {text: m.warning for text, m in matches.items() if m.warning} == {
        "Кильмезкий м.р.": "'Кильмезкий м.р.' read as «Кильмезский м.р.» (one-letter slip corrected)"
    }


@pytest.mark.parametrize(
    ("text", "municipality_id"),
    [
        ("г.о. Котельнич", "43-kotelnich"),
        ("город Котельнич", "43-kotelnich"),
        ("г.Котельнич", "43-kotelnich"),
        ("Котельнич", "43-kotelnich"),
        ("  КОТЕЛЬНИЧСКИЙ   район ", "43-kotelnichskiy"),
        ("Котельничский муниципальный район", "43-kotelnichskiy"),
        ("МО «Котельничский муниципальный район»", "43-kotelnichskiy"),
        ("Арбажский муниципальный округ", "43-arbazhskiy"),
        ("Арбажский м.р.", "43-arbazhskiy"),
        ("Куменский м.о.", "43-kumenskiy"),
        ("Первомайский ЗАТО", "43-pervomayskiy"),
        ("ЗАТО п. Первомайский", "43-pervomayskiy"),
        ("Кирово - Чепецк", "43-kirovo-chepetsk"),
        ("городской округ город Слободской", "43-slobodskoy-gorod"),
        ("Слободской р-н", "43-slobodskoy"),
        ("43-kirov", "43-kirov"),
    ],
)
def test_spellings_of_one_municipality(names, text, municipality_id):
    match = names.resolve(text, "43")
    assert (match.municipality_id, match.warning) == (municipality_id, None)


def test_type_words_are_taken_out_and_their_kind_kept():
    assert split_name('МО "Город Котельнич"') == ("котельнич", "city")
    assert split_name("Городецкий м.р.") == ("городецкий", "district")
    assert split_name("ЗАТО «Первомайский»") == ("первомайский", "zato")
    assert split_name("МО Слободской") == ("слободской", None)


def test_rejects_suggest_the_closest_reference_names(names):
    with pytest.raises(UnknownMunicipality) as ambiguous:
        names.resolve("МО Слободской", "43")
    assert ambiguous.value.suggestions == ("Слободской г.о.", "Слободской м.р.")
    assert "is ambiguous: add its type" in str(ambiguous.value)
    with pytest.raises(UnknownMunicipality) as two_letters:
        names.resolve("Кильмзкй м.р.", "43")
    assert str(two_letters.value) == (
        "unknown municipality 'Кильмзкй м.р.' in region 43; closest: Кильмезский м.р."
    )
    with pytest.raises(UnknownMunicipality) as other_kind:  # the city is not a district
        names.resolve("Котельнич м.р.", "43")
    assert other_kind.value.suggestions[0] == "Котельнич г.о."
    with pytest.raises(UnknownMunicipality, match="in region 44"):
        names.resolve("Котельничский м.р.", "44")


def test_aliases_and_a_methodologys_display_names_are_accepted_whole(names):
    aliased = MunicipalityNames(names.by_id.values(), [("Котельничский район (Ленинское)", "43-kotelnichskiy")])
    assert aliased.resolve("котельничский район (ленинское)", "43").municipality_id == "43-kotelnichskiy"
