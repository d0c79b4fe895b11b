"""Deterministic crash points for the crash-recovery tests; inert unless a test sets the variable.

``GOSPUBLIKI_TEST_CRASH_AT=<point>``
    the process kills itself with SIGKILL when it reaches ``<point>`` (no cleanup, no ``finally``:
    what kill -9 or the OOM killer does);
``GOSPUBLIKI_TEST_PAUSE_AT=<point>``
    the process prints ``PAUSED <point>`` on stdout and waits for a line on stdin, so a test can
    kill the warehouse while the process is at that exact point, then let it go on.

Points: ``extract`` (mid-extraction, some API requests made, nothing written), ``copy`` (inside
the landing transaction, after the first raw table's COPY), ``validate`` (the load is 'loaded',
its Great Expectations run under way), ``dbt`` (the first mart of a ``dbt build`` is built, the
others not yet), ``archive`` (a raw month's file is on disk, its partition not yet dropped).

Why hand-written: a kill at a known line is the only way to make a crash test deterministic;
a timer or a sleep would hit a different line on a busy machine.
"""

from __future__ import annotations

import os
import signal
import sys

CRASH_VAR = "GOSPUBLIKI_TEST_CRASH_AT"
PAUSE_VAR = "GOSPUBLIKI_TEST_PAUSE_AT"


def reached(point: str) -> None:
    """Crash or pause here when a test asked for ``point``; otherwise nothing."""
    if os.environ.get(CRASH_VAR) == point:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(PAUSE_VAR) == point:
        print(f"PAUSED {point}", flush=True)
        sys.stdin.readline()


def dbt_callbacks() -> list:
    """dbtRunner callbacks: reach the ``dbt`` point when the first mart of a build is built."""
    if os.environ.get(CRASH_VAR) != "dbt" and os.environ.get(PAUSE_VAR) != "dbt":
        return []

    def on_event(event) -> None:
        if event.info.name == "NodeFinished" and event.data.node_info.node_path.startswith("marts/"):
            reached("dbt")

    return [on_event]
