"""The Jinja2 environment of the report pages (``reports/templates/``).

One environment for every HTML page the reports write (the rating table, the weekly region
report): HTML autoescaped, the number filters of :mod:`gospubliki.reports.formatting`, the shared
stylesheet included inline by ``base.html`` so each page is a single self-contained file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gospubliki.reports import formatting

TEMPLATES = Path(__file__).with_name("templates")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a misspelt field fails the render instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(formatting.FILTERS)
    return env


def render(template: str, **context) -> str:
    """The page ``template`` (a file name under ``templates/``) rendered with ``context``."""
    return environment().get_template(template).render(**context)


def write(template: str, path: str | Path, **context) -> Path:
    """Render ``template`` into ``path`` (UTF-8; parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(template, **context), encoding="utf-8")
    return path
