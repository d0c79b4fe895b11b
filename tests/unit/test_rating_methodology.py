"""The methodology seeds as the Python side reads them, and rating periods."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest

from gospubliki.reports import methodology as m
from gospubliki.transform import dbt

SEEDS = dbt.project_dir() / "seeds"


def test_shipped_methodologies_are_consistent_examples():
    methodologies = m.load_methodologies()
    assert set(methodologies) == {"example_30", "example_expert"}
    default = m.default_methodology(methodologies)
    assert default.code == "example_30"
    for methodology in methodologies.values():
        # clearly an example, not the official ЦУР methodology
        assert methodology.is_example
        assert "не официальная" in methodology.name_ru
        assert "ПРИМЕР, НЕ ОФИЦИАЛЬНАЯ МЕТОДИКА" in methodology.description_ru
        assert sum(c.points for c in methodology.criteria) == methodology.max_score
        assert (methodology.entity, methodology.rated_sectors, methodology.rated_level) == (
            "municipality",
            ("local",),
            "municipal",
        )
    assert (default.period_type, default.max_score) == ("week", Decimal(30))
    # the public criteria of domain.md: presence on the three networks, badge, design, >= 3 posts a
    # week, views per post, engagement, subscribers per 1 000 residents — all computed
    assert {c.metric for c in default.criteria} == set(m.METRICS)
    posting = default.criterion("posting_3")
    assert (posting.metric, posting.threshold) == ("max_posts_per_week", Decimal(3))
    assert all(c.kind == "computed" for c in default.criteria)
    expert = methodologies["example_expert"]
    assert expert.period_type == "month"
    assert expert.manual_criteria == expert.criteria and len(expert.criteria) == 3


def _copy_seeds(tmp_path):
    for name in ("rating_methodologies.csv", "rating_criteria.csv"):
        shutil.copy(SEEDS / name, tmp_path / name)
    return tmp_path


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "rating_criteria.csv",
            "example_30,vk_page,computed,vk_page_active,1,4",
            "example_30,vk_page,computed,vk_page_active,1,5",
            "add up to 31",
        ),
        (
            "rating_criteria.csv",
            "computed,vk_page_active,1,4",
            "computed,no_such_metric,1,4",
            "needs a metric",
        ),
        (
            "rating_criteria.csv",
            "widgets,manual,,,3",
            "widgets,manual,has_gov_badge,1,3",
            "no metric and no threshold",
        ),
        ("rating_criteria.csv", "widgets,manual,,,3", "widgets,expert,,,3", "kind must be"),
        ("rating_criteria.csv", "example_30,ok_page,", "example_30,vk_page,", "repeated"),
        ("rating_criteria.csv", "example_expert,widgets", "example_other,widgets", "unknown methodologies"),
        (
            "rating_methodologies.csv",
            ",true,false,municipality",
            ",true,true,municipality",
            "exactly one default",
        ),
        ("rating_methodologies.csv", "municipal,week,30", "municipal,day,30", "period_type"),
        ("rating_methodologies.csv", "local,municipal,week", "local,district,week", "rated_level"),
        ("rating_methodologies.csv", "example_expert,", "Example-Expert,", "bad methodology_code"),
    ],
)
def test_inconsistent_seeds_are_refused_with_the_reason(tmp_path, file, old, new, message):
    directory = _copy_seeds(tmp_path)
    _edit(directory / file, old, new)
    with pytest.raises(m.MethodologyError, match=message):
        m.load_methodologies(directory)


def test_a_new_methodology_is_a_few_csv_rows(tmp_path):
    """How a ЦУР adds its own (docs/rating-methodology.md): rows, no code."""
    directory = _copy_seeds(tmp_path)
    with (directory / "rating_methodologies.csv").open("a", encoding="utf-8") as fh:
        fh.write(
            "kirov_schools,Школы Кировской области,false,false,municipality,"
            "school; kindergarten,municipal,month,10,Школы\n"
        )
    with (directory / "rating_criteria.csv").open("a", encoding="utf-8") as fh:
        fh.write("kirov_schools,badge,computed,has_gov_badge,1,6,1,Госметка\n")
        fh.write("kirov_schools,events,manual,,,4,2,Анонсы мероприятий\n")
    methodology = m.get_methodology("kirov_schools", m.load_methodologies(directory))
    assert methodology.rated_sectors == ("school", "kindergarten")
    assert [c.kind for c in methodology.criteria] == ["computed", "manual"]
    assert methodology.max_score == 10 and not methodology.is_default
    with pytest.raises(m.MethodologyError, match="unknown methodology 'nope'"):
        m.get_methodology("nope", m.load_methodologies(directory))


@pytest.mark.parametrize(
    ("text", "start", "end", "period_type"),
    [
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22), "week"),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4), "week"),  # ISO year starts in December
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3), "week"),  # 2026 has 53 ISO weeks
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30), "month"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31), "month"),
    ],
)
def test_parse_period(text, start, end, period_type):
    period = m.parse_period(text)
    assert (period.start, period.end, period.period_type, period.period_id) == (start, end, period_type, text)
    assert m.period_of(end, period_type) == period == m.period_of(start, period_type)


def test_period_of_a_day_and_the_previous_period():
    assert m.period_of(date(2027, 1, 1)).period_id == "2026-W53"
    assert m.period_of(date(2026, 11, 22), "month").period_id == "2026-11"
    assert m.parse_period("2026-W01").previous().period_id == "2025-W52"
    assert m.parse_period("2026-01").previous().period_id == "2025-12"


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("2025-W53", None, "no ISO week"),  # 2025 has 52 ISO weeks
        ("2026-13", None, "no month"),
        ("2026/11", None, "not a period"),
        ("W47", None, "not a period"),
        ("2026-11", "week", "is a month"),
        ("2026-W47", "month", "is a week"),
    ],
)
def test_bad_periods(text, kind, message):
    with pytest.raises(m.MethodologyError, match=message):
        m.parse_period(text, kind)
