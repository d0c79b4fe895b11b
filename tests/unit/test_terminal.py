"""Issue 11: without a terminal (a pipe, a CI or task log) tables were cut to rich's 80 columns
(«2026-…», «valida…»); the project's console is wide enough there, and COLUMNS still wins."""

import io
import sys

from rich.table import Table

from gospubliki.terminal import WIDTH_WITHOUT_TERMINAL, make_console


def _table() -> Table:
    table = Table()
    for name in ("network", "date", "load", "status", "pages", "posts", "requests", "minimum", "seconds", "extra"):
        table.add_column(name)
    table.add_row("ok", "2026-11-25", "12", "validated", "627", "226", "402", "406", "4.1", "x" * 20)
    return table


def test_without_a_terminal_tables_are_not_cut(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # not a terminal
    console = make_console(file=io.StringIO())
    assert console.width == WIDTH_WITHOUT_TERMINAL
    console.print(_table())
    text = console.file.getvalue()
    assert "2026-11-25" in text and "validated" in text and "…" not in text


def test_columns_wins(monkeypatch):
    monkeypatch.setenv("COLUMNS", "90")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert make_console(file=io.StringIO()).width == 90
