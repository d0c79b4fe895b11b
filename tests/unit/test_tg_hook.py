"""Telegram settings from the environment and from the Airflow connection (TelegramHook); secrets
are masked in logs and never shown by ``repr``."""

from __future__ import annotations

import json

import pytest
from airflow.sdk._shared.secrets_masker import redact

from gospubliki.clients.telegram import settings as tg_settings
from gospubliki.hooks.telegram import TelegramHook

SESSION_A = "1BVtsOHcBu3gAAAAAAAAAAAAAAAAA-secret-a"
SESSION_B = "1BVtsOHcBu3gBBBBBBBBBBBBBBBBB-secret-b"


def _set_conn(monkeypatch, conn_id: str, **fields):
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "telegram", **fields}))


def _clear_env(monkeypatch):
    for name in ("API_ID", "API_HASH", "SESSIONS", "RESOLVE_BUDGET", "FLOOD_SLEEP"):
        monkeypatch.delenv(f"GOSPUBLIKI_TG_{name}", raising=False)


def test_sessions_parse_into_accounts_in_name_order_and_bad_json_is_refused_without_quoting():
    accounts = tg_settings.parse_sessions(json.dumps({"tg-b": SESSION_B, "tg-a": SESSION_A}))
    assert [a.name for a in accounts] == ["tg-a", "tg-b"] and accounts[0].session == SESSION_A
    assert SESSION_A not in repr(accounts)
    with pytest.raises(ValueError) as bad:
        tg_settings.parse_sessions('{"tg-a": ' + SESSION_A)
    assert SESSION_A not in str(bad.value)
    with pytest.raises(ValueError, match="non-empty"):
        tg_settings.parse_sessions({"tg-a": ""})
    assert tg_settings.parse_sessions(None) == ()


def test_settings_from_the_environment(monkeypatch):
    _clear_env(monkeypatch)
    monkeypatch.setenv("GOSPUBLIKI_TG_API_ID", "123456")
    monkeypatch.setenv("GOSPUBLIKI_TG_API_HASH", "hash-hash")
    monkeypatch.setenv("GOSPUBLIKI_TG_SESSIONS", json.dumps({"tg-a": SESSION_A}))
    monkeypatch.setenv("GOSPUBLIKI_TG_RESOLVE_BUDGET", "12")
    st = tg_settings.from_env()
    assert (st.api_id, st.api_hash, st.account_names, st.resolve_budget) == (
        123456,
        "hash-hash",
        ["tg-a"],
        12,
    )
    assert (st.flood_sleep_threshold, st.channel_interval, st.resolve_interval) == (10, 3.0, 2.0)
    assert "hash-hash" not in repr(st) and SESSION_A not in repr(st)


def test_hook_reads_the_connection_and_masks_its_secrets(monkeypatch, capsys):
    _clear_env(monkeypatch)
    _set_conn(
        monkeypatch,
        "tg_hook_test",
        login="987654",
        password="the-api-hash",
        extra={
            "sessions": {"tg-a": SESSION_A, "tg-b": SESSION_B},
            "resolve_budget": 45,
            "channel_interval": 1.5,
        },
    )
    hook = TelegramHook("tg_hook_test")
    st = hook.get_settings()
    assert (st.api_id, st.api_hash, st.account_names) == (987654, "the-api-hash", ["tg-a", "tg-b"])
    assert (st.resolve_budget, st.channel_interval, st.flood_sleep_threshold) == (45, 1.5, 10)
    logged = "".join(capsys.readouterr())
    assert "accounts tg-a, tg-b" in logged
    for secret in (SESSION_A, SESSION_B, "the-api-hash"):
        assert secret not in logged
        # registered with Airflow's secrets masker: task logs show *** in their place
        assert redact(f"careless {secret} log") == "careless *** log"


def test_what_the_connection_lacks_comes_from_the_environment(monkeypatch):
    _clear_env(monkeypatch)
    monkeypatch.setenv("GOSPUBLIKI_TG_API_HASH", "env-hash")
    monkeypatch.setenv("GOSPUBLIKI_TG_SESSIONS", json.dumps({"env-acc": SESSION_A}))
    _set_conn(monkeypatch, "tg_hook_partial", login="5")
    st = TelegramHook("tg_hook_partial").get_settings()
    assert (st.api_id, st.api_hash, st.account_names) == (5, "env-hash", ["env-acc"])
    monkeypatch.setenv("GOSPUBLIKI_TG_API_ID", "77")
    st = TelegramHook("tg_hook_missing").get_settings()  # no such connection: the environment
    assert (st.api_id, st.account_names) == (77, ["env-acc"])


def test_a_non_numeric_api_id_is_a_clear_error(monkeypatch):
    _set_conn(monkeypatch, "tg_hook_bad", login="not-a-number")
    with pytest.raises(ValueError, match="numeric api_id"):
        TelegramHook("tg_hook_bad").get_settings()


def test_hook_identity():
    assert (TelegramHook.conn_type, TelegramHook.default_conn_name, TelegramHook.conn_name_attr) == (
        "telegram",
        "telegram_default",
        "telegram_conn_id",
    )


def test_a_connection_naming_the_simulator_gives_its_accounts_and_client_factory(monkeypatch):
    from datetime import date

    from gospubliki.simulator.telegram_fake import SIM_API_ID
    from gospubliki.simulator.tg_sender import FakeSender

    _clear_env(monkeypatch)
    _set_conn(monkeypatch, "tg_hook_sim", extra={"simulator": {"scale": "region", "region": "43", "seed": 7}})
    hook = TelegramHook("tg_hook_sim")
    st = hook.get_settings()
    assert (st.api_id, st.account_names) == (SIM_API_ID, ["sim-tg-1", "sim-tg-2", "sim-tg-3"])
    client = hook.get_client_factory(st)(st.accounts[0], date(2026, 3, 1))
    assert isinstance(client._sender, FakeSender) and client._no_updates
    _set_conn(monkeypatch, "tg_hook_real", login="1", password="h", extra={"sessions": {"a": SESSION_A}})
    real = TelegramHook("tg_hook_real")
    assert real.get_client_factory(real.get_settings()) is None  # real Telegram: the default factory
