"""OK extraction: the registry's OK pages -> ``group.getInfo`` + ``mediatopic.getTopics`` -> one raw load.

One load per snapshot date covers ``raw.ok_pages`` (one row per registry page, skipped pages
included with ``fetch_status`` and ``error_reason``) and ``raw.ok_posts`` (topics of the window),
exactly the contract of the VK extraction (:mod:`gospubliki.extract.vk`).

Registry pages name a group by id (``ok.ru/group/<id>``) or by short name (``ok.ru/<name>``). The
API takes ids only, so a short name is resolved once with ``url.getInfo`` and remembered in
``registry.ok_resolved_names``: a daily run spends ``ceil(N/100)`` ``group.getInfo`` and one
``mediatopic.getTopics`` per readable group (more only for groups with more topics in the window
than one page), plus one ``url.getInfo`` per short name not resolved before.

``fetch_status`` of a page:

* ``not_found`` — the short name resolves to no group (300), or ``group.getInfo`` did not return
  the group (deleted, or no such id); a cached name whose group vanished is forgotten;
* ``deactivated`` — the group is blocked by OK (its topics are not requested);
* ``private`` — the group restricts its content (``mediatopic.getTopics`` error 456); its
  attributes (members …) are kept;
* ``posts_unread`` — attributes read, the topics not (an unknown error code, a malformed topic,
  retries exhausted, no token left): none of its topics is landed, the marts show «нет данных»;
* ``error`` — nothing usable read: an error code for this group (any code the client does not
  list included), an answer the warehouse cannot take (``bad payload: …``), transient errors
  that outlived the retries, or no token left;
* ``ok`` — read; ``error_reason`` is set when another page is the same group.

Counters the API did not give are NULL, never 0.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from psycopg2.extras import execute_values

from gospubliki import dates
from gospubliki.clients import ok_settings
from gospubliki.clients.errors import NoCredentialsLeft
from gospubliki.clients.ok import GroupsResult, NamesResult, OkClient, TopicsResult, format_base_url
from gospubliki.clients.pool import CredentialsExhausted
from gospubliki.clients.vk import NO_CREDENTIALS_SKIP, Skip
from gospubliki.extract import statuses
from gospubliki.extract.landing import begin_extraction, land_extraction, skipped_summary
from gospubliki.extract.ok_rows import PAGE_COLUMNS, POST_COLUMNS, group_skip, page_row, post_row
from gospubliki.extract.pages import page_with_posts, posts_unread
from gospubliki.extract.vk import ExtractResult, RegistryPage, read_registry_pages
from gospubliki.warehouse import db
from gospubliki.warehouse.loads import LoadResult, RawBatch

log = logging.getLogger(__name__)

SOURCE = "ok"


@dataclass
class OkExtractResult(ExtractResult):
    """:class:`ExtractResult` plus the short names resolved this run and those to forget."""

    resolved: dict[str, int] = field(default_factory=dict)
    vanished: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ short names cache
def cached_group_ids(url: str | None = None) -> dict[str, int]:
    """Short names resolved by earlier runs (``registry.ok_resolved_names``)."""
    db.apply_schema(url)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select short_name, group_id from registry.ok_resolved_names")
        return dict(cur.fetchall())


def update_cache(resolved: dict[str, int], vanished: Sequence[str], url: str | None = None) -> None:
    """Remember new resolutions; forget names whose group is gone (resolved again next time)."""
    with db.connect(url) as conn, conn.cursor() as cur:
        if vanished:
            cur.execute(
                "delete from registry.ok_resolved_names where short_name = any(%s)", (list(vanished),)
            )
        if resolved:
            execute_values(
                cur,
                """insert into registry.ok_resolved_names (short_name, group_id) values %s
                   on conflict (short_name) do update
                   set group_id = excluded.group_id, resolved_at = now()""",
                sorted(resolved.items()),
            )


# ------------------------------------------------------------------ extraction
def extract_ok(
    pages: Sequence[RegistryPage],
    snapshot_date: date,
    client: OkClient,
    window_days: int = 7,
    known: dict[str, int] | None = None,
) -> OkExtractResult:
    """Read every page's attributes and its topics of the ``window_days`` days ending ``snapshot_date``.

    ``known``: short names resolved before. Never raises for lack of tokens:
    ``result.no_credentials`` says the load is partial.
    """
    since, until = dates.window_start(snapshot_date, window_days), dates.window_end(snapshot_date)
    known = dict(known or {})
    exhausted: NoCredentialsLeft | None = None
    to_resolve = [p.page_ref for p in pages if not p.page_ref.isdigit() and p.page_ref not in known]
    names = NamesResult()
    if to_resolve:
        try:
            names = client.resolve_names(to_resolve)
        except CredentialsExhausted as exc:
            names, exhausted = exc.partial or NamesResult(), exc
    ids = {**known, **names.ids}
    gid_of = {p.page_key: int(p.page_ref) if p.page_ref.isdigit() else ids.get(p.page_ref) for p in pages}

    groups = GroupsResult()
    wanted = [g for g in dict.fromkeys(gid_of.values()) if g is not None]
    if exhausted is None and wanted:
        try:
            groups = client.get_groups(wanted)
        except CredentialsExhausted as exc:
            groups, exhausted = exc.partial or GroupsResult(), exc

    owner_page: dict[int, str] = {}  # group id -> the page its topics are filed under
    state: dict[str, tuple[int | None, dict | None, Skip | None]] = {}
    for page in pages:
        gid = gid_of[page.page_key]
        group = groups.groups.get(gid) if gid is not None else None
        if group is not None:
            skip = group_skip(group)
        elif gid is None:
            skip = names.skipped.get(page.page_ref, NO_CREDENTIALS_SKIP)
        else:
            skip = groups.skipped.get(gid, NO_CREDENTIALS_SKIP)
        if group is not None and skip is None:
            first = owner_page.setdefault(gid, page.page_key)
            if first != page.page_key:
                skip = Skip("ok", f"same group as {first}; topics filed under it", "duplicate")
        state[page.page_key] = (gid, group, skip)

    topics = TopicsResult()
    if exhausted is None and owner_page:
        try:
            topics = client.get_topics(list(owner_page), since, until)
        except CredentialsExhausted as exc:
            topics, exhausted = exc.partial or TopicsResult(), exc
    elif exhausted is not None:
        topics.skipped.update({g: NO_CREDENTIALS_SKIP for g in owner_page})

    for gid, topics_skip in topics.skipped.items():
        key = owner_page[gid]  # attributes stand; the topics did not
        skip = posts_unread(topics_skip) if topics_skip.status == statuses.ERROR else topics_skip
        state[key] = (gid, state[key][1], skip)

    posts_of_page = {key: (gid, topics.posts.get(gid, [])) for gid, key in owner_page.items()}
    page_rows, post_rows, skipped = [], [], []
    for key, (gid, group, skip) in list(state.items()):

        def row_of(skip: Skip | None, full: bool, key=key, gid=gid, group=group) -> tuple:
            return page_row(snapshot_date, key, gid, group if full else None, skip)

        def posts_of(key=key) -> list[tuple]:
            owner, read = posts_of_page.get(key, (None, []))
            return [post_row(snapshot_date, key, owner, topic) for topic in read]

        row, posts, skip = page_with_posts(key, row_of, posts_of, skip)
        state[key] = (gid, group, skip)
        page_rows.append(row)
        post_rows += posts
        if skip is not None:
            skipped.append(skip)
    vanished = [
        p.page_ref
        for p in pages
        if p.page_ref in known
        and state[p.page_key][1] is None
        and state[p.page_key][2] is not None
        and state[p.page_key][2].status == "not_found"
    ]
    details = {
        "partial": exhausted is not None,
        "pages": len(page_rows),
        "posts": len(post_rows),
        "window_days": window_days,
        "window": {"days": window_days, "start": since.isoformat(), "end": until.isoformat()},
        "requests": client.requests.snapshot(),
        "errors": client.errors.snapshot(),
        "skipped_pages": skipped_summary(skipped),
        "short_names": {"cached": len(known), "resolved": len(names.ids), "unresolved": len(names.skipped)},
        "extra_topic_pages": sum(n - 1 for n in topics.pages.values()),
        "tokens_stopped": client.stopped_tokens,
    }
    if exhausted is not None:
        details["no_credentials_left"] = str(exhausted)
    log.info(
        "ok extraction %s: %d pages, %d topics, requests %s",
        snapshot_date,
        len(page_rows),
        len(post_rows),
        details["requests"],
    )
    return OkExtractResult(
        batches=[
            RawBatch("raw.ok_pages", PAGE_COLUMNS, page_rows),
            RawBatch("raw.ok_posts", POST_COLUMNS, post_rows),
        ],
        requests=client.requests.total,
        details=details,
        no_credentials=exhausted,
        resolved=dict(names.ids),
        vanished=vanished,
    )


def client_from_settings(
    snapshot_date: date, base_url: str | None = None, rps: float | None = None
) -> OkClient:
    """An :class:`OkClient` from the ``GOSPUBLIKI_OK_*`` environment (see ``ok_settings``).

    :raises NoCredentialsLeft: the application key, secret or token is not configured.
    """
    creds = ok_settings.ok_credentials()
    if creds.missing:
        raise NoCredentialsLeft(
            f"no OK {', '.join(creds.missing)}: set GOSPUBLIKI_OK_APP_KEY, GOSPUBLIKI_OK_APP_SECRET and "
            "GOSPUBLIKI_OK_TOKEN (or use the ok_default connection)"
        )
    return OkClient(
        creds.application_key,
        creds.application_secret_key,
        creds.tokens,
        base_url=format_base_url(base_url or ok_settings.ok_api_url(), snapshot_date),
        rps=rps if rps is not None else ok_settings.ok_rps(),
        timeout=ok_settings.ok_timeout(),
        retries=ok_settings.ok_retries(),
        retry_wait=ok_settings.ok_retry_wait(),
        parallel=ok_settings.ok_parallel(),
    )


def run_ok_extraction(
    snapshot_date: date,
    *,
    url: str | None = None,
    base_url: str | None = None,
    rps: float | None = None,
    window_days: int = 7,
    client: OkClient | None = None,
    force_past: bool | None = None,
) -> LoadResult:
    """Registry -> OK -> ``loads.land('ok', …)`` (status 'loaded'). Settings default from the environment.

    ``client`` (e.g. from :class:`gospubliki.hooks.ok.OkHook`) replaces the environment's
    credentials, ``base_url`` and ``rps``; it is closed at the end.

    :raises NoCredentialsLeft: no credentials configured; or, after landing the partial load,
        every token stopped mid-run (e.g. error 104: a wrong application secret key); that load
        is marked 'failed' (``extract.landing``).
    :raises SnapshotDateRefused: a future date, or one beyond the horizon of a live API
        (:func:`gospubliki.dates.check_snapshot_date`; ``force_past`` overrides the horizon).
    """
    pages = read_registry_pages(url, "ok")
    known = cached_group_ids(url)
    client = client or client_from_settings(snapshot_date, base_url, rps)
    started = time.monotonic()
    try:
        live = not dates.serves_past_state(client.base_url)
        dates.check_snapshot_date(snapshot_date, live=live, force_past=force_past)
        begin_extraction(SOURCE, snapshot_date, url)  # a refused date touches no load
        result = extract_ok(pages, snapshot_date, client, window_days, known)
    finally:
        client.close()
    update_cache(result.resolved, result.vanished, url)
    return land_extraction(
        SOURCE,
        snapshot_date,
        result.batches,
        requests=result.requests,
        details=result.details,
        extract_seconds=time.monotonic() - started,
        no_credentials=result.no_credentials,
        url=url,
    )
