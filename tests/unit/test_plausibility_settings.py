"""The plausibility thresholds: one place (settings.plausibility()), overridable by environment."""

from __future__ import annotations

import pytest

from gospubliki import settings


def test_defaults_and_overrides(monkeypatch):
    for name in ("MAX_MEMBERS", "MAX_QUARANTINE_SHARE", "MAX_PAGES_READ_DROP", "MAX_ZERO_VIEWS_SHARE",
                 "MAX_MEMBERS_CHANGE"):
        monkeypatch.delenv(f"GOSPUBLIKI_{name}", raising=False)
    assert settings.plausibility() == settings.Plausibility(200_000_000, 0.05, 0.2, 0.5, 0.2)
    monkeypatch.setenv("GOSPUBLIKI_MAX_MEMBERS", "1000")
    monkeypatch.setenv("GOSPUBLIKI_MAX_ZERO_VIEWS_SHARE", "0.9")
    assert (settings.plausibility().max_members, settings.plausibility().max_zero_views_share) == (1000, 0.9)


def test_a_share_outside_0_1_is_refused(monkeypatch):
    monkeypatch.setenv("GOSPUBLIKI_MAX_QUARANTINE_SHARE", "5")
    with pytest.raises(ValueError, match="GOSPUBLIKI_MAX_QUARANTINE_SHARE must be within"):
        settings.plausibility()


@pytest.mark.parametrize("value", ["2147483648", "-1"])
def test_a_members_cap_the_marts_integer_cannot_hold_is_refused(monkeypatch, value):
    """Subscribers are stored as integer in the marts; a page above the cap is quarantined, so a
    cap above 2^31 - 1 would let a value through that fails the nightly dbt build."""
    monkeypatch.setenv("GOSPUBLIKI_MAX_MEMBERS", value)
    with pytest.raises(ValueError, match=r"GOSPUBLIKI_MAX_MEMBERS must be within \[0, 2147483647\], got " + value):
        settings.plausibility()
