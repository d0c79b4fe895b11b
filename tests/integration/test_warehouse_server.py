"""The embedded PostgreSQL: start/stop/status are idempotent and it answers over TCP on 127.0.0.1.

Runs a second server of its own (own data folder and port), so the shared test server is untouched.
"""


import psycopg2
import pytest
from localports import free_port

from gospubliki import settings
from gospubliki.warehouse import server


@pytest.fixture
def own_server(tmp_path, monkeypatch):
    monkeypatch.delenv("GOSPUBLIKI_WAREHOUSE_URL", raising=False)
    monkeypatch.setenv("GOSPUBLIKI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOSPUBLIKI_PG_PORT", str(free_port()))
    yield
    server.stop()


def test_start_is_idempotent_and_serves_tcp(own_server):
    assert server.status().running is False
    first = server.start()
    second = server.start()
    assert first.running and second.running and first.pid == second.pid
    assert str(first.data_dir).startswith(str(settings.home()))
    assert ":***@" in first.url  # the password is never shown
    with psycopg2.connect(settings.local_warehouse().url) as conn, conn.cursor() as cur:
        cur.execute("select inet_server_addr()::text, current_setting('port')")
        host, port = cur.fetchone()
    assert host.startswith("127.0.0.1") and int(port) == settings.local_warehouse().port


def test_stop_is_idempotent_and_a_restart_keeps_the_data(own_server):
    server.start()
    with psycopg2.connect(settings.local_warehouse().url) as conn, conn.cursor() as cur:
        cur.execute("create table kept (x int); insert into kept values (42)")
    assert server.stop().running is False
    assert server.stop().running is False
    server.start()
    with psycopg2.connect(settings.local_warehouse().url) as conn, conn.cursor() as cur:
        cur.execute("select x from kept")
        assert cur.fetchone() == (42,)


def test_an_external_url_is_used_instead_of_the_embedded_server(own_server, server_url, monkeypatch):
    monkeypatch.setenv("GOSPUBLIKI_WAREHOUSE_URL", server_url)
    st = server.start()  # must not start anything of its own
    assert st.running and st.pid is None
    assert not (settings.home() / "pgdata").exists()
