"""Alert settings and channel selection without any channel configured (no servers needed)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from gospubliki import settings
from gospubliki.orchestration import alerts, notifiers


def test_the_deadline_is_moscow_time_after_the_0300_start(monkeypatch):
    assert alerts.deadline_interval("09:00") == timedelta(hours=6)
    assert alerts.deadline_interval("02:30") == timedelta(hours=23, minutes=30)  # the next morning
    monkeypatch.setenv("GOSPUBLIKI_DAILY_DEADLINE", "7:5")
    assert settings.alerts().daily_deadline == "07:05"
    monkeypatch.setenv("GOSPUBLIKI_DAILY_DEADLINE", "off")
    assert settings.alerts().daily_deadline is None and alerts.daily_deadline() is None
    monkeypatch.setenv("GOSPUBLIKI_DAILY_DEADLINE", "25:00")
    with pytest.raises(ValueError, match="HH:MM"):
        settings.alerts()


def test_nothing_configured_sends_nothing_and_says_so_once(monkeypatch, caplog):
    for name in ("GOSPUBLIKI_ALERT_EMAIL_TO", "AIRFLOW_CONN_SMTP_DEFAULT", "AIRFLOW_CONN_GOSPUBLIKI_ALERTS_TELEGRAM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(notifiers, "_SAID_NOTHING_CONFIGURED", False)
    caplog.set_level(logging.INFO, logger=notifiers.__name__)
    context = {"alert": {}}
    assert notifiers.send(context, "subject", "text") == []
    assert notifiers.send(context, "subject", "text") == []
    said = [r.getMessage() for r in caplog.records if "no channel configured" in r.getMessage()]
    assert len(said) == 1, said
    # recipients without an SMTP connection are not a channel either
    monkeypatch.setenv("GOSPUBLIKI_ALERT_EMAIL_TO", "a@example.ru")
    assert notifiers.configured_channels() == notifiers.Channels(email=False, telegram=False)


def test_the_network_of_a_task():
    assert [alerts.network_of(t) for t in ("extract_vk", "validate_tg", "dbt_build", None)] == ["VK", "Telegram", "—", "—"]


def test_a_long_telegram_text_is_cut_at_a_line_end():
    text = "".join(f"<b>line {i}</b>\n" for i in range(1000))
    cut = notifiers.fit_telegram(text)
    assert len(cut) <= notifiers.TELEGRAM_LIMIT and cut.endswith("… (cut: the e-mail and the task log have it all)")
    assert cut.split("\n")[-2].endswith("</b>")  # whole lines only: no tag left open
    assert notifiers.fit_telegram("short") == "short"
