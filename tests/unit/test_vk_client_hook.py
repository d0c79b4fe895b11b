"""The thin Airflow hook: a connection (from the environment) becomes a configured VkClient."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from gospubliki.hooks.vk import VkHook


def _set_conn(monkeypatch, conn_id: str, **fields):
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "vk", **fields}))


def test_client_from_connection(monkeypatch, caplog):
    _set_conn(
        monkeypatch,
        "vk_hook_test",
        password="tok-aaaaaaaa, tok-bbbbbbbb",
        host="http://127.0.0.1:8081/asof/{snapshot_date}",
        extra={"rps": 20, "timeout": 4},
    )
    caplog.set_level(logging.INFO)
    client = VkHook("vk_hook_test").get_client(date(2026, 3, 1))
    assert client.base_url == "http://127.0.0.1:8081/asof/2026-03-01"
    assert len(client.pool.slots) == 2
    assert client.pool.slots[0].RPS_DELAY == pytest.approx(0.05)
    assert client.pool.slots[0].token["access_token"] == "tok-aaaaaaaa"
    assert "tok-aaaaaaaa" not in caplog.text and "tok-bbbbbbbb" not in caplog.text
    client.close()


def test_default_base_url_is_the_real_api(monkeypatch):
    _set_conn(monkeypatch, "vk_hook_default", password="tok-cccccccc")
    client = VkHook("vk_hook_default").get_client()
    assert client.base_url == "https://api.vk.ru"
    assert client.pool.slots[0].RPS_DELAY == pytest.approx(1 / 3)


def test_placeholder_without_date_is_an_error(monkeypatch):
    _set_conn(
        monkeypatch, "vk_hook_asof", password="tok-dddddddd", host="http://127.0.0.1:1/asof/{snapshot_date}"
    )
    with pytest.raises(ValueError, match="snapshot date"):
        VkHook("vk_hook_asof").get_client()


def test_empty_password_is_a_clear_error(monkeypatch):
    _set_conn(monkeypatch, "vk_hook_empty", host="http://127.0.0.1:1")
    with pytest.raises(ValueError, match="no VK tokens"):
        VkHook("vk_hook_empty").get_client()


def test_hook_identity():
    assert (VkHook.conn_type, VkHook.default_conn_name, VkHook.conn_name_attr) == (
        "vk",
        "vk_default",
        "vk_conn_id",
    )
    assert VkHook().vk_conn_id == "vk_default"
