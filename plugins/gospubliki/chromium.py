"""Headless Chromium driven by Playwright: prints the region reports to PDF (and the browser tests
open pages with it, ``tests/browser.py``).

Playwright launches the system binary (``settings.chromium_path()``, Debian's ``chromium``
package; ``scripts/ensure-chromium.sh`` installs it): its own browser downloads are not used, so
nothing is fetched at run time. ``--no-sandbox``: the browser only opens files the project wrote
(no network page), and Chromium's sandbox needs user namespaces that containers (the Airflow
image, CI) often lack.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from gospubliki import settings
from gospubliki.errors import UserError


class ChromiumMissing(UserError, FileNotFoundError):
    """No Chromium binary where the setting points."""


def check() -> str:
    """The Chromium binary's path; :class:`ChromiumMissing` (one line: how to install it) if absent."""
    path = settings.chromium_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ChromiumMissing(
            f"no Chromium at {path} (needed for the PDF): install Debian's package with "
            "`sudo apt-get install chromium` (or scripts/ensure-chromium.sh), or point "
            "GOSPUBLIKI_CHROMIUM at a Chromium binary"
        )
    return str(path)


@contextmanager
def browser() -> Iterator:
    """A headless Chromium (Playwright ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = check()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()
