"""The Great Expectations file context in ``expectations/`` and how it sees exactly one load.

Layout (``gx.get_context(mode="file", project_root_dir="expectations")``)::

    expectations/gx/great_expectations.yml         datasource 'warehouse', query assets, data docs site
    expectations/gx/expectations/<net>_raw_load/   suites  (pages.json, posts.json)
    expectations/gx/validation_definitions/        one per suite
    expectations/gx/checkpoints/<net>_raw_load.json
    expectations/gx/uncommitted/                   validation results, Data Docs, lock (git-ignored)

Everything committed is produced by :func:`build_context` from the definitions in ``suites.py``;
re-running it changes no file unless a definition changed (GX keeps the ids of unchanged objects).

**One load per run.** The datasource's connection string is ``${GOSPUBLIKI_GX_WAREHOUSE_URL}``,
never written to disk; each validation passes it through GX's ``runtime_environment`` with the
load id as a session setting (``options=-c gospubliki.load_id=<id>``). The query assets read
``where load_id = current_setting('gospubliki.load_id')::bigint``, so every query GX runs in that
context sees exactly the rows of that load (an index lookup on the tables' primary keys). Why not
a batch definition partitioned on ``load_id``: GX lists the partitions first
(``select distinct load_id`` over the whole table, i.e. over all history), and a load with no rows
in one table (no posts) has no partition at all, so its validation would crash instead of running.
Without the setting the assets' queries fail ("unrecognized configuration parameter"): a
checkpoint run outside ``validate.py`` cannot silently validate nothing.

**Concurrency.** Several validations may run at once (VK for two dates, VK and OK). GX's file
stores write files in place and the Data Docs index reads every stored result, so a run and a
rebuild or two runs must not interleave their file writes: :func:`locked` serialises them with
an ``flock`` on ``uncommitted/gospubliki.lock`` (per machine, which is where the files are).

**Data Docs** are built into ``uncommitted/data_docs/local_site/index.html`` (offline;
:func:`scrub_data_docs` removes GX's logo beacon from the pages) for the site of the checkpoint's
action, ``data_docs_action.UpdateDataDocsOnce``: GX's ``UpdateDataDocsAction`` building the site
once per checkpoint run instead of once per suite result.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gospubliki import settings
from gospubliki.quality import suites

URL_VARIABLE = "GOSPUBLIKI_GX_WAREHOUSE_URL"
"""Config variable the datasource's connection string refers to (filled at run time)."""

LOAD_SETTING = "gospubliki.load_id"
"""PostgreSQL session setting that selects the load the query assets return."""

DATASOURCE = "warehouse"
BATCH_DEFINITION = "load"
DATA_DOCS_SITE = "local_site"
DATA_DOCS_RESULTS_LIMIT = 63
"""The Data Docs index lists the newest results only: building it reads (deserialises) each one
listed, on every validation — 500 cost ~30 s a validation once history filled it. 63 = a week of
3 networks × 3 suites; older results stay on disk under ``uncommitted/validations``."""


def project_root() -> Path:
    """Folder holding the ``gx/`` file context: ``expectations/`` in the repository;
    ``GOSPUBLIKI_EXPECTATIONS_DIR`` overrides it (e.g. a copy per test or per deployment)."""
    return Path(
        settings.env("GOSPUBLIKI_EXPECTATIONS_DIR", str(settings.REPO_ROOT / "expectations"))
    ).resolve()


def gx_dir() -> Path:
    return project_root() / "gx"


def data_docs_dir() -> Path:
    """Where the Data Docs site is built (``index.html`` inside)."""
    return gx_dir() / "uncommitted" / "data_docs" / DATA_DOCS_SITE


def gx_url(url: str | None = None, load_id: int | None = None) -> str:
    """The warehouse URL as GX needs it: explicit ``psycopg2`` driver (SQLAlchemy 2.1 would pick
    psycopg 3 for a bare ``postgresql://``) and, for a validation, the load id as a session setting."""
    from sqlalchemy.engine import make_url

    u = make_url(url or settings.warehouse_url())
    if u.get_backend_name() != "postgresql":
        raise ValueError(f"the warehouse must be PostgreSQL, got {u.get_backend_name()!r}")
    u = u.set(drivername="postgresql+psycopg2")
    if load_id is not None:
        option = f"-c {LOAD_SETTING}={int(load_id)}"
        existing = u.query.get("options")
        if isinstance(existing, tuple):
            existing = " ".join(existing)
        u = u.update_query_dict({"options": f"{existing} {option}" if existing else option})
    return u.render_as_string(hide_password=False)


def require_context() -> None:
    """Raise ``FileNotFoundError`` unless the file context exists (it is committed in the repo)."""
    if not (gx_dir() / "great_expectations.yml").exists():
        raise FileNotFoundError(
            f"no Great Expectations file context at {gx_dir()}; create it with `python -m gospubliki.quality`"
        )


@contextmanager
def locked() -> Iterator[None]:
    """Exclusive lock on the file context's uncommitted folder (see module docstring)."""
    path = gx_dir() / "uncommitted" / "gospubliki.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def open_context(url: str | None = None, load_id: int | None = None, *, create: bool = False):
    """The file context, with the datasource pointed at ``url`` (and at one load, if given).

    Opening an existing context writes nothing. A missing one is an error (a validation must not
    run against an empty, freshly scaffolded context) unless ``create`` (used by
    :func:`build_context`)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    if not create:
        require_context()
    import great_expectations as gx

    from gospubliki.quality import data_docs_action  # noqa: F401 - registers the checkpoints' action

    return gx.get_context(
        mode="file",
        project_root_dir=str(project_root()),
        runtime_environment={URL_VARIABLE: gx_url(url, load_id)},
    )


_GX_ASSETS = re.compile(
    r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/([\w.-]+)(\?[^\"')\s]*)?"
)


def scrub_data_docs(since: float) -> int:
    """Point Data Docs pages written since ``since`` (epoch seconds) at the site's own copy of
    GX's images instead of GX's S3 bucket: GX's page header loads its logo from there with the
    data context id and a timestamp in the URL (a usage beacon), which must not leave the
    installation. Other assets (Bootstrap, jQuery, Vega) still come from public CDNs when a page
    is opened in a browser. Returns the number of pages changed."""
    root = data_docs_dir()
    images = root / "static" / "images"
    changed = 0
    for page in root.rglob("*.html"):
        if page.stat().st_mtime < since:
            continue
        text = page.read_text(encoding="utf-8")

        def local(match: re.Match, folder: Path = page.parent) -> str:
            name = match.group(1)
            if (images / name).exists():
                return os.path.relpath(images / name, folder)
            return match.group(0).split("?")[0]  # no local copy: keep the image, drop the beacon

        new = _GX_ASSETS.sub(local, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def asset_query(spec: suites.NetworkSpec, part: str) -> str:
    """The rows of one load (for the ``load`` part: its ``raw.loads`` row and quarantined share).

    The pages asset adds, per page, what the previous validated load of the same network (latest
    earlier snapshot date) read for it, so the history checks compare like with like:

    * ``fetch_status_resolved``: the page's status, null while a Telegram channel is ``unresolved``
      (not yet resolved by any account: the ok-share is over the pages the run could ask for);
    * ``fetch_status_if_read_before``: this load's status of a page read 'ok' then (else null);
    * ``members_count_before``: then members of a page both loads counted (else null);
    * ``members_count_compared``: now members of a page both loads counted (else 0).
    """
    this = f"current_setting('{LOAD_SETTING}')::bigint"
    table = spec.table(part)
    if part == "load":
        return (
            "select load_id, source, snapshot_date, "
            "coalesce((details->'quarantine'->>'share')::float8, 0) as quarantine_share "
            f"from raw.loads where load_id = {this}"
        )
    if part != "pages":
        return f"select {', '.join(spec.columns(part))} from {table} where load_id = {this}"
    cols = ", ".join(f"b.{c}" for c in spec.columns(part))
    previous = (
        "(select prev.load_id from raw.loads this_load join raw.loads prev on prev.source = this_load.source "
        "and prev.status = 'validated' and prev.snapshot_date < this_load.snapshot_date "
        f"where this_load.load_id = {this} order by prev.snapshot_date desc, prev.load_id desc limit 1)"
    )
    return (
        f"select {cols}, "
        "nullif(b.fetch_status, 'unresolved') as fetch_status_resolved, "
        "case when p.page_key is not null then b.fetch_status end as fetch_status_if_read_before, "
        "case when b.members_count is not null then p.members_count end as members_count_before, "
        "case when p.members_count is not null then b.members_count else 0 end as members_count_compared "
        f"from {table} b left join {table} p on p.load_id = {previous} and p.page_key = b.page_key "
        f"and p.fetch_status = 'ok' where b.load_id = {this}"
    )


def _ensure_project_settings(context) -> None:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    variables = context.variables
    changed = False
    if variables.analytics_enabled is not False:
        variables.analytics_enabled = False
        changed = True
    bars = variables.progress_bars
    if isinstance(bars, ProgressBarsConfig):
        bars = {"globally": bars.globally, "metric_calculations": bars.metric_calculations}
    if (bars or {}) != {"globally": False, "metric_calculations": False}:
        variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        changed = True
    sites = dict(variables.data_docs_sites or {})
    site = sites.get(DATA_DOCS_SITE) or {}
    index = {"class_name": "DefaultSiteIndexBuilder", "validation_results_limit": DATA_DOCS_RESULTS_LIMIT}
    desired_site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": f"uncommitted/data_docs/{DATA_DOCS_SITE}/",
        },
        "site_index_builder": index,
    }
    if site != desired_site:
        sites[DATA_DOCS_SITE] = desired_site
        variables.data_docs_sites = sites
        changed = True
    if changed:
        variables.save()


def _ensure_datasource(context):
    template = "${" + URL_VARIABLE + "}"
    existing = context.data_sources.all().get(DATASOURCE)
    if existing is not None and getattr(existing.connection_string, "template_str", None) == template:
        return existing
    if existing is not None:  # a different definition: replace it (its assets are re-added below)
        context.data_sources.delete(DATASOURCE)
    return context.data_sources.add_postgres(name=DATASOURCE, connection_string=template)


def _ensure_batch_definition(datasource, spec: suites.NetworkSpec, part: str):
    name, query = spec.asset(part), asset_query(spec, part)
    asset = next((a for a in datasource.assets if a.name == name), None)
    if asset is not None and asset.query != query:
        datasource.delete_asset(name)
        asset = None
    if asset is None:
        asset = datasource.add_query_asset(name=name, query=query)
    existing = next((b for b in asset.batch_definitions if b.name == BATCH_DEFINITION), None)
    return existing or asset.add_batch_definition_whole_table(BATCH_DEFINITION)


def _keep_stored_ids(context, suite) -> None:
    """Give unchanged expectations the ids they already have in the stored suite, so rebuilding
    rewrites identical JSON (GX's own matching compares ids too, so it never matches)."""
    from great_expectations.exceptions import DataContextError

    try:
        existing = context.suites.get(suite.name).expectations
    except DataContextError:  # not stored yet
        return

    def key(expectation) -> str:
        return repr(
            sorted((k, repr(v)) for k, v in expectation._to_normalized_self_dict().items() if k != "id")
        )

    by_key = {key(e): e.id for e in existing}
    for expectation in suite.expectations:
        expectation.id = by_key.pop(key(expectation), None)


def build_context(url: str | None = None):
    """Create or update the file context (datasource, assets, suites, validation definitions,
    checkpoints) from the definitions in ``suites.py``. Idempotent; needs a reachable warehouse
    (GX tests the datasource connection when it is added). Returns the context."""
    import great_expectations as gx

    from gospubliki.quality.data_docs_action import UpdateDataDocsOnce

    root = project_root()
    root.mkdir(parents=True, exist_ok=True)
    with locked():
        context = open_context(url, create=True)
        _ensure_project_settings(context)
        datasource = _ensure_datasource(context)
        for spec in suites.NETWORKS.values():
            definitions = []
            for part in suites.PARTS:
                batch_definition = _ensure_batch_definition(datasource, spec, part)
                suite = gx.ExpectationSuite(
                    name=spec.suite(part), expectations=suites.expectations_for(spec, part)
                )
                _keep_stored_ids(context, suite)
                suite = context.suites.add_or_update(suite)
                definitions.append(
                    context.validation_definitions.add_or_update(
                        gx.ValidationDefinition(name=spec.suite(part), data=batch_definition, suite=suite)
                    )
                )
            context.checkpoints.add_or_update(
                gx.Checkpoint(
                    name=spec.checkpoint,
                    validation_definitions=definitions,
                    actions=[UpdateDataDocsOnce(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
                    result_format="SUMMARY",
                )
            )
    return context
