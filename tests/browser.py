"""Headless Chromium for the browser tests: Debian's ``chromium`` package driven by Playwright.

Playwright cannot download its own browser builds here, so it launches the system binary
(``scripts/ensure-chromium.sh``, run by ``make test``, installs it when missing). The launch is the
product's own (``gospubliki.chromium``, which prints the region reports): the binary comes from
the setting ``GOSPUBLIKI_CHROMIUM`` (default ``/usr/bin/chromium``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gospubliki import chromium


@contextmanager
def chromium_page(width: int = 1400, height: int = 900, **page_options) -> Iterator:
    """A Playwright page in headless Chromium, closed on exit; ``page_options`` go to
    ``browser.new_page`` (e.g. ``timezone_id="UTC"``)."""
    with chromium.browser() as browser:
        page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU", **page_options)
        yield page
