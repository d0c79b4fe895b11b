"""One place that turns a user error into one line on stderr and exit code 2.

``gospubliki`` (the console script ``gospubliki.cli:app``) is a :class:`GuardedTyper`: it runs the
click command in non-standalone mode and maps the exceptions of :func:`user_message` — the
:class:`~gospubliki.errors.UserError` family, click's usage errors (a bad option, a missing file),
an unreachable warehouse, a missing file or folder, missing credentials — to ``error: <message>``
and exit code 2. ``gospubliki -v …`` prints the traceback first. Any other exception is a bug or
an outage and keeps Python's traceback (exit code 1).

Why a subclass of ``typer.Typer`` rather than try/except in each command: every command and every
sub-app added with ``app.add_typer(...)`` is covered without touching it, and the console entry
point stays ``gospubliki.cli:app``. ``typer.testing.CliRunner`` bypasses ``__call__``, so tests of
the mapping run the real console script.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import typer

# Typer ≥ 0.2x vendors its own copy of click (``typer._click``): its commands raise these classes,
# not the ones of the ``click`` package, and typer exports only a few of them publicly
from typer._click import exceptions as click_exc
from typer._click.utils import echo

EXIT_USER_ERROR = 2


def _warehouse_hint() -> str:
    return "start it with `gospubliki warehouse start`, or check GOSPUBLIKI_WAREHOUSE_URL"


def user_message(exc: BaseException) -> str | None:
    """The one-line message for an error the user can fix; ``None`` for anything else."""
    import psycopg2
    import psycopg2.errors

    from gospubliki.clients.errors import NoCredentialsLeft
    from gospubliki.errors import UserError

    if isinstance(exc, UserError | NoCredentialsLeft):
        return str(exc)
    if isinstance(exc, click_exc.UsageError):
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        return f"{exc.format_message()}{where}"
    if isinstance(exc, click_exc.ClickException):
        return exc.format_message()
    # a connection that could not be made or was lost has no SQLSTATE; deadlocks and the like
    # (OperationalError subclasses with a pgcode) are not the user's to fix
    if isinstance(exc, psycopg2.OperationalError) and exc.pgcode is None:
        first = (str(exc).strip().splitlines() or ["connection failed"])[0]
        return f"cannot reach the warehouse ({first}): {_warehouse_hint()}"
    # a warehouse not built yet (no marts before the first dbt build): what to run, not a traceback
    if isinstance(exc, psycopg2.errors.UndefinedTable | psycopg2.errors.InvalidSchemaName):
        first = str(exc).strip().splitlines()[0]
        return (
            f"{first}: the warehouse is not built yet — run `gospubliki warehouse init` and "
            "`gospubliki dbt build` (or `gospubliki demo`)"
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or exc}: {exc.filename}"
    return None


def _verbose_requested(args: Sequence[str]) -> bool:
    """``-v``/``--verbose`` among the top-level options (before the first command name)."""
    for arg in args:
        if arg in ("-v", "--verbose"):
            return True
        if not arg.startswith("-"):
            return False
    return False


def _one_line(text: str) -> str:
    return " ".join(text.split())


class GuardedTyper(typer.Typer):
    """A Typer app whose console entry point shows user errors as one line (see the module doc)."""

    def __call__(self, *args, **kwargs):
        argv = list(kwargs.pop("args", None) or (args[0] if args else sys.argv[1:]))
        command = typer.main.get_command(self)
        try:
            rv = command.main(args=argv, standalone_mode=False, **kwargs)
        except click_exc.NoArgsIsHelpError as exc:  # bare `gospubliki registry`: its help, as click does
            if text := exc.format_message().strip():  # (typer's rich help has printed itself already)
                echo(text)
            sys.exit(exc.exit_code)
        except typer.Abort:
            echo("Aborted.", err=True)
            sys.exit(1)
        except Exception as exc:
            message = user_message(exc)
            if message is None:
                raise
            if _verbose_requested(argv):
                traceback.print_exc()
            echo(f"error: {_one_line(message)}", err=True)
            sys.exit(EXIT_USER_ERROR)
        sys.exit(rv if isinstance(rv, int) else 0)
