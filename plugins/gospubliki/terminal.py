"""The console every command prints with.

On a terminal, rich uses the terminal's width. Without one (output piped to a file, a CI log, an
Airflow task log) rich falls back to 80 columns and cuts table cells («2026-…», «valida…»); there
the console is made wide enough for every table instead. ``COLUMNS`` still wins when set.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

WIDTH_WITHOUT_TERMINAL = 200


def make_console(**kwargs) -> Console:
    if "width" not in kwargs and not os.environ.get("COLUMNS") and not sys.stdout.isatty():
        kwargs["width"] = WIDTH_WITHOUT_TERMINAL
    return Console(**kwargs)
