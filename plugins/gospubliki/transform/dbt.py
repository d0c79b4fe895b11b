"""Run the dbt project in-process (``dbtRunner``) against the warehouse.

The committed ``dbt_project/profiles.yml`` reads only environment variables; :func:`dbt_env`
derives them from the warehouse URL (``GOSPUBLIKI_WAREHOUSE_URL`` or the embedded default) and
:func:`run_dbt` sets them for the invocation only, restoring the caller's environment afterwards.

dbt keeps process-wide state (flags, adapter registry, event manager), so invocations are
serialised with a lock; consecutive invocations in one process are supported (and tested).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from gospubliki import crashpoints, settings

if TYPE_CHECKING:  # importing dbt is slow; only the functions that run it import it
    from dbt.cli.main import dbtRunnerResult

#: env var of the profile's password (dbt scrubs DBT_ENV_SECRET_* values from its logs)
PASSWORD_VAR = "DBT_ENV_SECRET_GOSPUBLIKI_DBT_PASSWORD"

_LOCK = threading.RLock()

#: the profile of ``profiles.yml``; every invocation names it and the target explicitly, as Cosmos
#: does, because dbt only reuses a saved manifest (partial parsing) made with the same ones
PROFILE = "gospubliki"

#: what the daily build leaves out (the DAG's ``dbt_build`` and ``make bench``'s dbt rows):
#: the data tests tagged ``weekly`` (they read the whole raw history; the weekly run has them) and
#: dbt's unit tests — fixed inputs, nothing a new day can change: ``make test`` runs them, and a
#: ``gospubliki dbt build`` by hand too (dbt recommends them for development and CI only)
DAILY_EXCLUDE = ("tag:weekly", "resource_type:unit_test")


def target_name() -> str:
    """The profile's target: ``GOSPUBLIKI_DBT_TARGET`` (as in ``profiles.yml``), default ``dev``."""
    return settings.env("GOSPUBLIKI_DBT_TARGET", "dev")


def project_dir() -> Path:
    """The dbt project folder: ``<repo>/dbt_project`` or ``GOSPUBLIKI_DBT_PROJECT_DIR``."""
    return Path(settings.env("GOSPUBLIKI_DBT_PROJECT_DIR", str(settings.REPO_ROOT / "dbt_project"))).resolve()


#: the dbt project folder as resolved at import time (use :func:`project_dir` for the live value)
DBT_PROJECT_DIR = project_dir()


def _text_lines_joined(message: str) -> str:
    """A multi-line dbt message in one line: its text lines, without the SQL excerpt (``LINE 3: …``
    and the caret under it) and the compiled file's path."""
    kept = [
        line.strip() for line in message.splitlines()
        if line.strip() and not line.strip().startswith(("LINE ", "^", "compiled code at"))
    ]
    return " — ".join(kept)


class DbtFailed(RuntimeError):
    """A dbt invocation did not succeed; ``failures`` lists ``(node, status, message)``."""

    def __init__(
        self, command: Sequence[str], failures: list[tuple[str, str, str]], exception: BaseException | None
    ):
        self.command = list(command)
        self.failures = failures
        self.exception = exception
        super().__init__("\n".join(self.lines()))

    def lines(self, one_line_each: bool = False) -> list[str]:
        """The command that failed, then its error and each failed node, a line each. dbt's node
        messages span lines (the SQL excerpt, the compiled file); ``one_line_each`` keeps their text
        lines only, joined — what the command line prints."""
        text = _text_lines_joined if one_line_each else str
        lines = [f"dbt {' '.join(self.command)} failed"]
        if self.exception is not None:
            lines.append(f"  error: {type(self.exception).__name__}: {text(str(self.exception))}")
        for node, status, message in self.failures:
            lines.append(f"  {status}: {node}: {text(message)}")
        if self.exception is None and not self.failures:
            lines.append("  (dbt reported failure without failed nodes; see the dbt log)")
        return lines

    @property
    def failed_nodes(self) -> list[str]:
        return [node for node, _, _ in self.failures]


def dbt_env(url: str | None = None) -> dict[str, str]:
    """Environment variables read by ``profiles.yml`` for the warehouse at ``url``."""
    parts = urlsplit(url or settings.warehouse_url())
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {parts.scheme}://…")
    query = parse_qs(parts.query)
    env = {
        "GOSPUBLIKI_DBT_HOST": parts.hostname or "127.0.0.1",
        "GOSPUBLIKI_DBT_PORT": str(parts.port or 5432),
        "GOSPUBLIKI_DBT_USER": unquote(parts.username or ""),
        PASSWORD_VAR: unquote(parts.password or ""),
        "GOSPUBLIKI_DBT_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
        "GOSPUBLIKI_DBT_SSLMODE": query.get("sslmode", ["prefer"])[0],
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    return env


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _failures(result: Any) -> list[tuple[str, str, str]]:
    """(node, status, message) of the nodes that errored or failed in a dbt result."""
    failures = []
    for node_result in getattr(result, "results", None) or []:
        status = str(getattr(node_result, "status", ""))
        status = status.split(".")[-1].lower()
        if status in ("error", "fail", "runtime error", "runtime_err"):
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", None) or str(getattr(node_result, "unique_id", "?"))
            message = str(getattr(node_result, "message", "") or "").strip()
            if not message and getattr(node_result, "max_loaded_at", None) is not None:  # source freshness
                hours = float(getattr(node_result, "age", 0.0)) / 3600
                message = (
                    f"stale: latest loaded_at {node_result.max_loaded_at.isoformat()} ({hours:.1f} h ago)"
                )
            failures.append((name, status, message))
    return failures


def run_dbt(
    args: Sequence[str],
    url: str | None = None,
    *,
    target_path: str | Path | None = None,
    log_path: str | Path | None = None,
) -> dbtRunnerResult:
    """Run ``dbt <args>`` in-process against the warehouse at ``url``; raise :class:`DbtFailed`
    unless dbt reports success. ``target_path``/``log_path`` default to the project's
    ``target/`` and ``logs/``."""
    from dbt.cli.main import dbtRunner

    project = project_dir()
    command = [*args, "--project-dir", str(project), "--profiles-dir", str(project)]
    command += ["--profile", PROFILE, "--target", target_name()]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
    if log_path is not None:
        command += ["--log-path", str(log_path)]
    with _LOCK, _environment(dbt_env(url)):
        started = time.monotonic()
        result = dbtRunner(callbacks=crashpoints.dbt_callbacks()).invoke(command)
        result.elapsed_seconds = time.monotonic() - started  # type: ignore[attr-defined]
    if not result.success:
        raise DbtFailed(list(args), _failures(result.result), result.exception)
    return result


def build(
    url: str | None = None,
    select: str | Sequence[str] | None = None,
    vars: Mapping[str, Any] | None = None,  # noqa: A002 - dbt's own name for it
    *,
    exclude: str | Sequence[str] | None = None,
    full_refresh: bool = False,
    threads: int | None = None,
    indirect_selection: str = "buildable",
    target_path: str | Path | None = None,
    log_path: str | Path | None = None,
    with_missing_parents: bool = False,
) -> dbtRunnerResult:
    """``dbt build`` (seeds, models, tests, unit tests) for the selection (default: everything).

    ``with_missing_parents`` (what ``gospubliki dbt build --select`` does): the seeds and models
    the selection depends on whose table or view does not exist yet are built too, so that
    ``--select municipality_rating_criteria+`` works on a fresh warehouse (without them the
    selected models read relations that are not there, and their unit tests cannot read the
    column types of their inputs). Parents that exist are not rebuilt.

    With a selection, tests are picked with ``--indirect-selection buildable`` by default: a test
    that also depends on an unselected, non-ancestor model (e.g. a relationships test from a
    staging model to a seed) is left out instead of failing on a relation that may not exist yet
    (dbt's default, ``eager``, would run it).
    """
    args = ["build"]
    if select and with_missing_parents:
        select = [*([select] if isinstance(select, str) else select), *missing_parents(select, url)]
    for flag, value in (("--select", select), ("--exclude", exclude)):
        if value:
            args += [flag, *([value] if isinstance(value, str) else value)]
    if select:
        args += ["--indirect-selection", indirect_selection]
    if vars:
        args += ["--vars", json.dumps(dict(vars))]
    if full_refresh:
        args.append("--full-refresh")
    if threads:  # profiles.yml's threads otherwise
        args += ["--threads", str(threads)]
    return run_dbt(args, url, target_path=target_path, log_path=log_path)


def missing_parents(select: str | Sequence[str], url: str | None = None) -> list[str]:
    """Names of the seeds and models upstream of ``select`` whose relation does not exist."""
    import psycopg2

    terms = select.split() if isinstance(select, str) else [t for s in select for t in s.split()]
    # X → +X; X+ → @X (the ancestors of its descendants too: tests picked as "buildable" read them)
    upstream = [t if t[0] in "@" or t[0].isdigit() else f"@{t.strip('+')}" if t.endswith("+") else f"+{t}"
                for t in terms]
    listed = run_dbt(
        ["ls", "--quiet", "--select", *upstream, "--resource-type", "model", "--resource-type", "seed",
         "--output", "json", "--output-keys", "name", "schema", "alias"],
        url,
    ).result
    nodes = [json.loads(line) for line in listed or []]
    conn = psycopg2.connect(url or settings.warehouse_url())
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select table_schema, table_name from information_schema.tables where table_schema = any(%s)",
                (sorted({n["schema"] for n in nodes}),),
            )
            existing = set(cur.fetchall())
    finally:
        conn.close()
    return sorted(n["name"] for n in nodes if (n["schema"], n.get("alias") or n["name"]) not in existing)


def source_freshness(
    url: str | None = None,
    select: str | None = "source:raw",
    *,
    target_path: str | Path | None = None,
    log_path: str | Path | None = None,
) -> dbtRunnerResult:
    """``dbt source freshness`` (default: the raw loads; warn after 36 h, error after 72 h without
    a validated load). A stale source past ``error_after`` raises :class:`DbtFailed`."""
    args = ["source", "freshness"]
    if select:
        args += ["--select", select]
    return run_dbt(args, url, target_path=target_path, log_path=log_path)


def parse(url: str | None = None, *, target_path: str | Path | None = None) -> Path:
    """``dbt parse``: writes ``<target>/manifest.json`` (for Cosmos ``LoadMode.DBT_MANIFEST``);
    returns its path. Parsing needs no database connection."""
    run_dbt(["parse"], url, target_path=target_path)
    return Path(target_path or project_dir() / "target") / "manifest.json"
