"""Stack.stop leaves no process behind: not the component's process group, and not a descendant
that left the group for a session of its own (as the LocalExecutor's task processes do)."""

from __future__ import annotations

import subprocess
import time

import psutil

from gospubliki import airflow_stack


def test_stop_kills_the_group_and_descendants_in_their_own_session(tmp_path):
    # a component whose child starts its own session and ignores SIGTERM: only SIGKILL to that pid ends it
    script = "setsid sh -c 'trap \"\" TERM; while :; do sleep 1; done' & trap '' TERM; while :; do sleep 1; done"
    proc = subprocess.Popen(["sh", "-c", script], start_new_session=True)
    stack = airflow_stack.Stack(home=tmp_path, metadata="postgresql+psycopg2://unused@127.0.0.1:1/unused", api_port=1)
    stack.components.append(airflow_stack.Component("fake", ["sh"], tmp_path / "fake.log", proc))
    deadline = time.monotonic() + 30
    while not any(p.cmdline()[:2] == ["sh", "-c"] for p in psutil.Process(proc.pid).children(recursive=True)):
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.1)
    escaped = [p for p in psutil.Process(proc.pid).children(recursive=True) if p.cmdline()[:2] == ["sh", "-c"]]
    stack.stop(timeout=2)
    assert stack.leftovers(timeout=10) == []
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in escaped)
