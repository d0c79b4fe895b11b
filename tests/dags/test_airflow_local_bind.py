"""Local Airflow listens on 127.0.0.1 only (issue 8): the api-server on ``[api] host`` as the project
sets it, and no worker log server (Airflow binds it to every interface, so the project's
standalone skips it). The real ``gospubliki airflow standalone`` is started and the listening
sockets of its whole process tree are read from the system."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from localports import free_port

from gospubliki import airflow_env, airflow_standalone, settings

GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))


def test_the_project_configures_airflow_for_this_machine_only(tmp_path):
    env = airflow_env.airflow_env(airflow_home=tmp_path / "airflow")
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://127.0.0.1:")
    # what Airflow itself reads from that environment
    out = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "config", "get-value", "api", "host"],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=120, check=True,
    )
    assert out.stdout.strip() == "127.0.0.1"
    assert airflow_standalone.subcommand("scheduler", ["scheduler"]) == ["scheduler", "--skip-serve-logs"]
    assert airflow_standalone.subcommand("triggerer", ["triggerer"]) == ["triggerer", "--skip-serve-logs"]
    assert airflow_standalone.subcommand("api-server", ["api-server"]) == ["api-server"]
    assert airflow_env.airflow_argv(["standalone"])[1:] == ["-m", "gospubliki.airflow_standalone"]


def test_no_trivial_warehouse_password_for_the_masker_to_hide(tmp_path, monkeypatch):
    """The masker hides every occurrence of a connection password in task logs: with the old
    password `gospubliki` the logs read `plugins/***/hooks/vk.py`. The local connection's password
    is now the generated one (the secrets file), no word of the project."""
    import json

    monkeypatch.delenv("GOSPUBLIKI_WAREHOUSE_URL", raising=False)
    env = airflow_env.airflow_env(airflow_home=tmp_path / "airflow")
    password = json.loads(env[f"AIRFLOW_CONN_{airflow_env.WAREHOUSE_CONN_ID.upper()}"])["password"]
    assert password == (settings.secrets_dir() / "warehouse_owner.password").read_text().strip()
    assert len(password) >= 32
    assert password not in "plugins/gospubliki/hooks/vk.py gospubliki_daily gospubliki_warehouse"


def listening(tree: list[psutil.Process]) -> set[tuple[str, int]]:
    found = set()
    for proc in tree:
        try:
            for conn in proc.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    found.add((conn.laddr.ip, conn.laddr.port))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.mark.integration
def test_standalone_listens_on_localhost_only(tmp_path, module_db, local_airflow_env):
    port = free_port()
    env = {**os.environ, **local_airflow_env(module_db), "AIRFLOW__API__PORT": str(port)}
    env.pop("AIRFLOW_HOME", None)
    env.pop("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", None)
    env.pop("AIRFLOW__API__HOST", None)
    log = open(tmp_path / "standalone.log", "w")
    proc = subprocess.Popen([GOSPUBLIKI, "airflow", "standalone"], stdout=log, stderr=subprocess.STDOUT, env=env)
    parent = psutil.Process(proc.pid)
    try:
        # readiness, not timing: poll until the api-server accepts a connection (or the run ends)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail(f"the api-server never answered; see {tmp_path / 'standalone.log'}")
        tree = [parent, *parent.children(recursive=True)]
        names = {" ".join(p.cmdline()[1:3]) for p in tree if p.is_running()}
        sockets = listening(tree)
        print(f"\nlistening sockets of `gospubliki airflow standalone`: {sorted(sockets)}")
        assert ("127.0.0.1", port) in sockets
        assert all(ip == "127.0.0.1" for ip, _ in sockets), sockets
        assert not any(p == 8793 for _, p in sockets)  # no worker log server
        assert any("scheduler" in n for n in names), names
    finally:
        tree = [parent, *parent.children(recursive=True)] if parent.is_running() else []
        for p in reversed(tree):
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(tree, timeout=30)
        log.close()
