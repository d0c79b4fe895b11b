"""Shared fixtures: a real PostgreSQL (the embedded warehouse, or GOSPUBLIKI_WAREHOUSE_URL) and a
fresh database per test that needs one."""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")

# Airflow reads its configuration when first imported: point it at a test home (SQLite metadata
# DB, the repo's dags/) before any test module imports it.
from gospubliki import airflow_env, settings  # noqa: E402

airflow_env.apply(airflow_home=settings.home() / "airflow-test")


def _with_db(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of a running PostgreSQL server (started by the project when embedded)."""
    from gospubliki import settings
    from gospubliki.warehouse import server

    server.start()
    return settings.warehouse_url()


def _create_db(server_url: str, name: str) -> str:
    admin = psycopg2.connect(_with_db(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
        cur.execute(f'create database "{name}"')
    admin.close()
    return _with_db(server_url, name)


def _drop_db(server_url: str, name: str) -> None:
    admin = psycopg2.connect(_with_db(server_url, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()


@pytest.fixture
def fresh_db(server_url, monkeypatch) -> str:
    """A new empty database for one test; GOSPUBLIKI_WAREHOUSE_URL points at it during the test."""
    name = f"gp_test_{uuid.uuid4().hex[:10]}"
    url = _create_db(server_url, name)
    monkeypatch.setenv("GOSPUBLIKI_WAREHOUSE_URL", url)
    yield url
    _drop_db(server_url, name)


@pytest.fixture(scope="module")
def module_db(server_url) -> str:
    """A new empty database shared by the tests of one module (set the env var yourself)."""
    name = f"gp_mod_{uuid.uuid4().hex[:10]}"
    url = _create_db(server_url, name)
    yield url
    _drop_db(server_url, name)
