"""Errors the user can fix: the ``gospubliki`` command shows them as one line (exit code 2).

Raise a :class:`UserError` (or a subclass) for anything caused by what the user gave — a bad
date, region, period or file, a refused import, a missing setting — with a message that says what
was wrong and, where useful, what to do. Everything else is a bug or an outage and keeps its
traceback. The mapping to one line lives in one place: :mod:`gospubliki.cli_errors`.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user gave or asked for cannot be done; the message says why."""


class BadValue(UserError, ValueError):
    """A value given on the command line, in a file or in a run's config is not valid."""
