"""The thin Airflow hook and the environment: a connection (or GOSPUBLIKI_OK_*) becomes an OkClient."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from gospubliki.clients.errors import NoCredentialsLeft
from gospubliki.extract.ok import client_from_settings
from gospubliki.hooks.ok import OkHook

SECRET = "app-secret-zzzzzzzz"
ENV = ("GOSPUBLIKI_OK_APP_KEY", "GOSPUBLIKI_OK_APP_SECRET", "GOSPUBLIKI_OK_TOKEN", "GOSPUBLIKI_OK_API_URL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def _set_conn(monkeypatch, conn_id: str, **fields):
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "ok", **fields}))


def test_client_from_connection(monkeypatch, caplog):
    _set_conn(
        monkeypatch,
        "ok_hook_test",
        login="CBAAPPKEY",
        password="tok-aaaaaaaa, tok-bbbbbbbb",
        host="http://127.0.0.1:8081/asof/{snapshot_date}",
        extra={"application_secret_key": SECRET, "rps": 20, "timeout": 4},
    )
    caplog.set_level(logging.INFO)
    client = OkHook("ok_hook_test").get_client(date(2026, 3, 1))
    assert client.base_url == "http://127.0.0.1:8081/asof/2026-03-01"
    assert client.application_key == "CBAAPPKEY"
    assert [s.token for s in client.pool.slots] == ["tok-aaaaaaaa", "tok-bbbbbbbb"]
    assert client.pool.slots[0].pacer.interval == pytest.approx(0.05)
    for secret in ("tok-aaaaaaaa", "tok-bbbbbbbb", SECRET):
        assert secret not in caplog.text and secret not in repr(client)
    client.close()


def test_environment_fills_what_the_connection_lacks(monkeypatch):
    _set_conn(monkeypatch, "ok_hook_env", password="tok-cccccccc")
    monkeypatch.setenv("GOSPUBLIKI_OK_APP_KEY", "CBAENVKEY")
    monkeypatch.setenv("GOSPUBLIKI_OK_APP_SECRET", SECRET)
    client = OkHook("ok_hook_env").get_client()
    assert client.base_url == "https://api.ok.ru"  # the real API by default
    assert (client.application_key, client.pool.slots[0].token) == ("CBAENVKEY", "tok-cccccccc")
    assert client.pool.slots[0].pacer.interval == pytest.approx(1 / 5)


def test_missing_parts_are_named(monkeypatch):
    _set_conn(monkeypatch, "ok_hook_empty", login="CBAAPPKEY")
    with pytest.raises(ValueError, match="application secret key, access token"):
        OkHook("ok_hook_empty").get_client()


def test_placeholder_without_date_is_an_error(monkeypatch):
    _set_conn(
        monkeypatch,
        "ok_hook_asof",
        login="K",
        password="t",
        host="http://127.0.0.1:1/asof/{snapshot_date}",
        extra={"application_secret_key": SECRET},
    )
    with pytest.raises(ValueError, match="snapshot date"):
        OkHook("ok_hook_asof").get_client()


def test_hook_identity():
    assert (OkHook.conn_type, OkHook.default_conn_name, OkHook.conn_name_attr) == (
        "ok",
        "ok_default",
        "ok_conn_id",
    )
    assert OkHook().ok_conn_id == "ok_default"


def test_settings_from_the_environment(monkeypatch):
    with pytest.raises(NoCredentialsLeft, match="application key, application secret key, access token"):
        client_from_settings(date(2026, 3, 1))
    monkeypatch.setenv("GOSPUBLIKI_OK_APP_KEY", "CBAENVKEY")
    monkeypatch.setenv("GOSPUBLIKI_OK_APP_SECRET", SECRET)
    monkeypatch.setenv("GOSPUBLIKI_OK_TOKEN", "tok-1,tok-2")
    monkeypatch.setenv("GOSPUBLIKI_OK_API_URL", "http://127.0.0.1:9/asof/{snapshot_date}")
    monkeypatch.setenv("GOSPUBLIKI_OK_RPS", "8")
    client = client_from_settings(date(2026, 3, 1))
    assert client.base_url == "http://127.0.0.1:9/asof/2026-03-01"
    assert [s.token for s in client.pool.slots] == ["tok-1", "tok-2"]
    assert client.pool.slots[1].pacer.interval == pytest.approx(1 / 8)
    client.close()
