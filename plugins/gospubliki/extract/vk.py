"""VK extraction: the registry's VK pages -> ``groups.getById`` + ``wall.get`` -> one raw load.

One load per snapshot date covers ``raw.vk_pages`` (one row per registry page, skipped pages
included with ``fetch_status`` and ``error_reason``) and ``raw.vk_posts`` (posts of the window).

``fetch_status`` of a page (:mod:`gospubliki.extract.statuses`):

* ``deactivated`` / ``private`` / ``not_found`` — getById showed a dead or private community, or
  did not return it (its wall is not requested, which saves quota);
* ``error`` — nothing usable read: an error code for this page (any code the client does not
  list included), an answer the warehouse cannot take (``bad payload: …``), transient errors
  that outlived the retries, or no token left;
* ``posts_unread`` — attributes read, the wall not (e.g. ``wall.get error 15`` on a closed
  community, 19 content blocked, an unknown code, a malformed post): none of its posts is landed
  (a wall is landed whole or not at all) and the marts show «нет данных», not «0 публикаций»;
* ``ok`` — attributes and wall read; ``error_reason`` is set when another page is the same
  community.

Counters the API did not give (``likes``/``reposts``/``comments``/``views`` absent from a post)
are NULL, never 0.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from gospubliki import crashpoints, dates
from gospubliki.clients import payload, vk_settings
from gospubliki.clients.errors import BadPayload, NoCredentialsLeft
from gospubliki.clients.pool import CredentialsExhausted
from gospubliki.clients.vk import (
    NO_CREDENTIALS_SKIP,
    GroupsResult,
    Skip,
    VkClient,
    WallsResult,
    format_base_url,
    group_skip,
)
from gospubliki.extract import statuses
from gospubliki.extract.landing import begin_extraction, land_extraction, skipped_summary
from gospubliki.extract.pages import bad_payload, page_with_posts, posts_unread
from gospubliki.warehouse import db
from gospubliki.warehouse.loads import LoadResult, RawBatch

log = logging.getLogger(__name__)

SOURCE = "vk"
PAGE_COLUMNS = (
    "snapshot_date",
    "page_key",
    "group_id",
    "screen_name",
    "name",
    "members_count",
    "is_verified",
    "is_closed",
    "deactivated",
    "has_description",
    "has_cover",
    "has_avatar",
    "fetch_status",
    "error_reason",
    "payload",
)
POST_COLUMNS = (
    "snapshot_date",
    "page_key",
    "group_id",
    "post_id",
    "posted_at",
    "is_pinned",
    "views",
    "likes",
    "reposts",
    "comments",
    "text",
    "payload",
)
_DEFAULT_AVATAR_MARKS = ("/images/camera_", "/images/community_", "/images/deactivated_")


@dataclass(frozen=True)
class RegistryPage:
    page_key: str  # 'vk:12345' | 'vk:gorod_kirov'
    page_ref: str  # what the API is asked for: '12345' | 'gorod_kirov'


@dataclass
class ExtractResult:
    """Raw batches of one VK load and what the extraction cost.

    ``no_credentials`` is set when every token stopped: the batches then hold what was read and
    the pages not read carry ``fetch_status = 'error'`` (a partial load).
    """

    batches: list[RawBatch]
    requests: int
    details: dict = field(default_factory=dict)
    no_credentials: NoCredentialsLeft | None = None

    @property
    def partial(self) -> bool:
        return self.no_credentials is not None


def read_registry_pages(url: str | None = None, network: str = "vk") -> list[RegistryPage]:
    """The registry's pages of one network, in page-key order."""
    db.apply_schema(url)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select page_key, page_ref from registry.pages where network = %s order by page_key", (network,)
        )
        return [RegistryPage(*row) for row in cur.fetchall()]


def page_row(snapshot_date: date, page_key: str, group: dict | None, skip: Skip | None) -> tuple:
    """A ``raw.vk_pages`` row (columns as :data:`PAGE_COLUMNS`).

    :raises BadPayload: a value of the group the warehouse cannot take (``members_count`` not an
        integer or beyond ``bigint``, ``is_closed`` not 0/1/2 …); the caller skips the page.
    """
    status, reason = (statuses.OK, None) if skip is None else (skip.status, skip.reason)
    if group is None:
        return (snapshot_date, page_key, *([None] * 10), status, reason, None)
    photo = str(group.get("photo_200") or "")
    cover = group.get("cover")
    is_closed = payload.integer(group.get("is_closed"), "group is_closed", "vk")
    if is_closed is not None and is_closed not in (0, 1, 2):
        raise BadPayload("vk", f"bad payload: group is_closed = {is_closed}, not 0, 1 or 2")
    return (
        snapshot_date,
        page_key,
        payload.integer(group.get("id"), "group id", "vk", required=True),
        payload.text(group.get("screen_name")),
        payload.text(group.get("name")),
        payload.integer(group.get("members_count"), "group members_count", "vk"),
        bool(group.get("verified")) if "verified" in group else None,
        is_closed,
        payload.text(group.get("deactivated")),
        bool(str(group.get("description") or "").strip()),
        bool(cover.get("enabled")) if isinstance(cover, dict) else False,
        bool(photo) and not any(mark in photo for mark in _DEFAULT_AVATAR_MARKS),
        status,
        reason,
        payload.json_value(group),
    )


def post_row(snapshot_date: date, page_key: str, group_id: int, post: dict) -> tuple:
    """A ``raw.vk_posts`` row (columns as :data:`POST_COLUMNS`). A counter the API did not give
    (``views`` is absent for some posts; ``likes``/``reposts``/``comments`` may be) is NULL.

    :raises BadPayload: a counter that is not an integer or beyond ``bigint``.
    """
    what = f"post {post.get('id')}"
    return (
        snapshot_date,
        page_key,
        group_id,
        payload.integer(post.get("id"), f"{what} id", "vk", required=True),
        datetime.fromtimestamp(payload.integer(post.get("date"), f"{what} date", "vk", required=True), UTC),
        bool(post.get("is_pinned")),
        *(payload.nested_count(post, key, what, "vk") for key in ("views", "likes", "reposts", "comments")),
        payload.text(post.get("text")),
        payload.json_value(post),
    )


def extract_vk(
    pages: Sequence[RegistryPage], snapshot_date: date, client: VkClient, window_days: int = 7
) -> ExtractResult:
    """Read every page's attributes and its posts of the ``window_days`` days ending ``snapshot_date``.

    Never raises for lack of tokens: ``result.no_credentials`` says the load is partial.
    """
    since, until = dates.window_start(snapshot_date, window_days), dates.window_end(snapshot_date)
    exhausted: NoCredentialsLeft | None = None
    try:
        groups = client.get_groups([p.page_ref for p in pages])
    except CredentialsExhausted as exc:
        groups, exhausted = exc.partial or GroupsResult(), exc

    owner_page: dict[int, str] = {}  # group id -> the page its posts are filed under
    state: dict[str, tuple[dict | None, Skip | None]] = {}
    for page in pages:
        group = groups.groups.get(page.page_ref)
        skip = groups.skipped.get(page.page_ref) if group is None else group_skip(group)
        if group is not None and skip is None:
            try:
                gid = payload.integer(group.get("id"), "group id", "vk", required=True)
            except BadPayload as exc:  # page_row refuses it again: the page is skipped
                gid, skip = None, bad_payload(exc)
        if group is not None and skip is None:
            first = owner_page.setdefault(gid, page.page_key)
            if first != page.page_key:
                skip = Skip("ok", f"same community as {first}; posts filed under it", "duplicate")
        state[page.page_key] = (group, skip or (None if group is not None else NO_CREDENTIALS_SKIP))

    crashpoints.reached("extract")
    walls = WallsResult()
    if exhausted is None and owner_page:
        try:
            walls = client.get_walls(list(owner_page), since, until)
        except CredentialsExhausted as exc:
            walls, exhausted = exc.partial or WallsResult(), exc
    elif exhausted is not None:
        walls.skipped.update({g: NO_CREDENTIALS_SKIP for g in owner_page})

    for group_id, wall_skip in walls.skipped.items():
        key = owner_page[group_id]
        state[key] = (state[key][0], posts_unread(wall_skip))  # attributes stand; the wall did not

    posts_of_page = {key: (gid, walls.posts.get(gid, [])) for gid, key in owner_page.items()}
    page_rows, post_rows, skipped = [], [], []
    for key, (group, skip) in state.items():

        def row_of(skip: Skip | None, full: bool, key=key, group=group) -> tuple:
            return page_row(snapshot_date, key, group if full else None, skip)

        def posts_of(key=key) -> list[tuple]:
            gid, posts = posts_of_page.get(key, (None, []))
            return [post_row(snapshot_date, key, gid, post) for post in posts]

        row, posts, skip = page_with_posts(key, row_of, posts_of, skip)
        page_rows.append(row)
        post_rows += posts
        if skip is not None:
            skipped.append(skip)
    details = {
        "partial": exhausted is not None,
        "pages": len(page_rows),
        "posts": len(post_rows),
        "window": {"days": window_days, "start": since.isoformat(), "end": until.isoformat()},
        "requests": client.requests.snapshot(),
        "inner_calls": client.inner_calls.snapshot()["by_method"],  # inside execute: the wall.get quota
        "errors": client.errors.snapshot(),
        "skipped_pages": skipped_summary(skipped),
        "tokens_stopped": client.stopped_tokens,
    }
    if exhausted is not None:
        details["no_credentials_left"] = str(exhausted)
    log.info(
        "vk extraction %s: %d pages, %d posts, requests %s",
        snapshot_date,
        len(page_rows),
        len(post_rows),
        details["requests"],
    )
    return ExtractResult(
        batches=[
            RawBatch("raw.vk_pages", PAGE_COLUMNS, page_rows),
            RawBatch("raw.vk_posts", POST_COLUMNS, post_rows),
        ],
        requests=client.requests.total,
        details=details,
        no_credentials=exhausted,
    )


def run_vk_extraction(
    snapshot_date: date,
    *,
    url: str | None = None,
    base_url: str | None = None,
    tokens: Sequence[str] | None = None,
    rps: float | None = None,
    window_days: int = 7,
    client: VkClient | None = None,
    force_past: bool | None = None,
) -> LoadResult:
    """Registry -> VK -> ``loads.land('vk', …)`` (status 'loaded'). Settings default from the environment.

    ``client`` (e.g. from :class:`gospubliki.hooks.vk.VkHook`) replaces ``base_url``/``tokens``/``rps``;
    it is closed at the end.

    :raises NoCredentialsLeft: when every token stopped mid-run, after landing the partial load
        and marking it 'failed' (``extract.landing``).
    :raises SnapshotDateRefused: a future date, or one beyond the horizon of a live API
        (:func:`gospubliki.dates.check_snapshot_date`; ``force_past`` overrides the horizon).
    """
    pages = read_registry_pages(url, "vk")
    if client is None:
        tokens = list(tokens) if tokens is not None else vk_settings.vk_tokens()
        if not tokens:
            raise NoCredentialsLeft(
                "no VK tokens: set GOSPUBLIKI_VK_TOKENS (or use the vk_default connection)"
            )
        client = VkClient(
            tokens,
            base_url=format_base_url(base_url or vk_settings.vk_api_url(), snapshot_date),
            rps=rps if rps is not None else vk_settings.vk_rps(),
            timeout=vk_settings.vk_timeout(),
            retries=vk_settings.vk_retries(),
            retry_wait=vk_settings.vk_retry_wait(),
            parallel=vk_settings.vk_parallel(),
            wall_first_count=vk_settings.vk_wall_first_count(),
        )
    started = time.monotonic()
    try:
        live = not dates.serves_past_state(client.base_url)
        dates.check_snapshot_date(snapshot_date, live=live, force_past=force_past)
        begin_extraction(SOURCE, snapshot_date, url)  # a refused date touches no load
        result = extract_vk(pages, snapshot_date, client, window_days)
    finally:
        client.close()
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
