"""Helpers of the Telegram integration tests: the simulated world's Telegram pages registered in a
fresh warehouse, runs of the real extraction over the simulator's transport, and the load read back
and compared with what the world says (statuses, subscribers, posts with albums counted once)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from psycopg2.extras import execute_values

from gospubliki.extract.telegram import run_tg_extraction
from gospubliki.reference.load import load_reference
from gospubliki.registry.links import normalize_tg
from gospubliki.simulator import tg_objects
from gospubliki.simulator.telegram_fake import TelegramSimulator
from gospubliki.warehouse import db

REPO_GX = Path(__file__).resolve().parents[2] / "expectations" / "gx"
WINDOW = 7


def register_tg_pages(url: str, world) -> list:
    """Reference data + the world's Telegram pages (and their institutions) in ``url``."""
    load_reference(url)
    pages = world.pages_on("tg")
    institutions = {i.institution_id: i for i in world.institutions}
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("insert into registry.imports (source_file) values ('tg test') returning import_id")
        import_id = cur.fetchone()[0]
        execute_values(
            cur,
            "insert into registry.institutions (institution_id, name, sector, level, region_code,"
            " municipality_id, import_id) values %s",
            [
                (i.institution_id, i.name, i.sector, i.level, i.region_code, i.municipality_id, import_id)
                for i in (institutions[iid] for iid in sorted({p.institution_id for p in pages}))
            ],
        )
        execute_values(
            cur,
            "insert into registry.pages (page_key, network, page_ref, url, institution_id, import_id)"
            " values %s",
            [(key(p), "tg", normalize_tg(p.link).ref, p.link, p.institution_id, import_id) for p in pages],
        )
    return pages


def key(page) -> str:
    return normalize_tg(page.link).key


def copy_gx(tmp_path, monkeypatch) -> Path:
    """A copy of the committed GX file context (results and Data Docs go to ``tmp_path``)."""
    root = tmp_path / "expectations"
    shutil.copytree(REPO_GX, root / "gx", ignore=shutil.ignore_patterns("uncommitted"))
    monkeypatch.setenv("GOSPUBLIKI_EXPECTATIONS_DIR", str(root))
    monkeypatch.delenv("GOSPUBLIKI_MIN_OK_SHARE", raising=False)
    return root


def run(url: str, day: date, sim: TelegramSimulator, **settings):
    """One real extraction over the simulator's transport; returns (LoadResult, served stats)."""
    sim.reset()
    st = sim.settings(**settings)
    result = run_tg_extraction(day, url=url, settings=st, client_factory=sim.client_factory(st))
    return result, sim.stats()


def read_load(url: str, load_id: int) -> dict:
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select status, requests, details from raw.loads where load_id = %s", (load_id,))
        status, requests, details = cur.fetchone()
        cur.execute(
            "select page_key, channel_id, members_count, fetch_status, error_reason, account"
            " from raw.tg_pages where load_id = %s",
            (load_id,),
        )
        pages = {r[0]: r[1:] for r in cur.fetchall()}
        cur.execute(
            "select page_key, post_id, grouped_id, message_count, posted_at, views, likes, reposts, comments"
            " from raw.tg_posts where load_id = %s",
            (load_id,),
        )
        posts: dict[str, set] = {}
        for row in cur.fetchall():
            posts.setdefault(row[0], set()).add(row[1:])
    return {"status": status, "requests": requests, "details": details, "pages": pages, "posts": posts}


def expected_status(page) -> str:
    return {"active": "ok", "private": "private", "deleted": "not_found", "banned": "deactivated"}[page.state]


def expected_posts(world, page, day: date, share: float = tg_objects.ALBUM_SHARE) -> set:
    week = world.posts_between(page, day - timedelta(days=WINDOW - 1), day)
    out = set()
    for post in week:
        e = tg_objects.expected_post(page, post, world.seed, share)
        out.add(
            (e.post_id, e.grouped_id, e.message_count, e.posted_at, e.views, e.likes, e.reposts, e.comments)
        )
    return out


def check_against_world(
    load: dict, world, day: date, *, unread_reason: str | None = None, skipped: dict | None = None
) -> int:
    """Every registry page has its row with the world's status, subscribers and posts. Pages with
    ``fetch_status`` 'error' or 'unresolved' are allowed only with a reason starting with ``unread_reason``.
    ``skipped``: world page key -> (fetch_status, reason) expected instead (an injected fault; such
    a page has no posts, and subscribers only when 'posts_unread'), or None (checked by the caller).
    Returns the number of pages checked in full."""
    pages = world.pages_on("tg")
    assert len(load["pages"]) == len(pages)
    full = 0
    for page in pages:
        channel_id, members, status, reason, account = load["pages"][key(page)]
        if skipped and page.key in skipped:
            if skipped[page.key] is not None:
                assert (status, reason) == skipped[page.key], key(page)
                assert members == (world.members_on(page, day) if status == "posts_unread" else None)
                assert key(page) not in load["posts"], key(page)
                full += 1
            continue
        if unread_reason is not None and status in ("error", "unresolved"):
            assert reason.startswith(unread_reason), (key(page), reason)
            assert key(page) not in load["posts"]
            continue
        assert status == expected_status(page), (key(page), status, reason)
        if status == "ok":
            assert (channel_id, members, reason) == (page.page_id, world.members_on(page, day), None)
            assert account is not None
            assert load["posts"].get(key(page), set()) == expected_posts(world, page, day), key(page)
        else:
            assert reason and key(page) not in load["posts"]
        full += 1
    return full
