"""Headless Chromium for the browser tests: Debian's ``chromium`` package driven by Playwright.

Playwright cannot download its own browser builds here, so it launches the system binary
(``scripts/ensure-chromium.sh``, run by ``make test``, installs it when missing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

CHROMIUM = os.environ.get("GOSPUBLIKI_CHROMIUM", "/usr/bin/chromium")


@contextmanager
def chromium_page(width: int = 1400, height: int = 900, **page_options) -> Iterator:
    """A Playwright page in headless Chromium, closed on exit; ``page_options`` go to
    ``browser.new_page`` (e.g. ``timezone_id="UTC"``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU", **page_options)
            yield page
        finally:
            browser.close()
