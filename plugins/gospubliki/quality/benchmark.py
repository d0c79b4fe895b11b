"""Time the validation of one VK load at national scale (synthetic rows, real PostgreSQL and GX).

    python -m gospubliki.quality.benchmark postgresql://…/scratch_db [--pages 89000] [--posts 50000]

The database must be a scratch one: the benchmark writes a synthetic registry (one region, one
institution and VK page per page) and a load into it, and refuses a database that already has
registry pages or loads. Prints the seconds spent landing and validating (twice: the second run
shows the cost without first-run imports and file-context loading).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

from gospubliki import dates
from gospubliki.quality.validate import validate_load
from gospubliki.warehouse import db, loads
from gospubliki.warehouse.loads import RawBatch

PAGE_COLUMNS = [
    "snapshot_date",
    "page_key",
    "group_id",
    "screen_name",
    "name",
    "members_count",
    "fetch_status",
    "error_reason",
    "payload",
]
POST_COLUMNS = [
    "snapshot_date",
    "page_key",
    "group_id",
    "post_id",
    "posted_at",
    "views",
    "likes",
    "reposts",
    "comments",
    "text",
    "payload",
]


def _setup_registry(url: str, pages: int) -> None:
    db.apply_schema(url)
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute("select (select count(*) from registry.pages) + (select count(*) from raw.loads)")
        if cur.fetchone()[0]:
            raise SystemExit(
                "refusing: the database already has registry pages or loads (use a scratch database)"
            )
        cur.execute(
            "insert into reference.regions values ('99', 'Синтетический регион', 'Синтетический', 1000000) "
            "on conflict do nothing"
        )
        cur.execute("insert into registry.imports (source_file) values ('benchmark') returning import_id")
        import_id = cur.fetchone()[0]
        db.copy_rows(
            cur,
            "registry.institutions",
            ["institution_id", "name", "sector", "level", "region_code", "import_id"],
            ((f"b{i}", f"Учреждение {i}", "school", "regional", "99", import_id) for i in range(pages)),
        )
        db.copy_rows(
            cur,
            "registry.pages",
            ["page_key", "network", "page_ref", "url", "institution_id", "import_id"],
            (
                (f"vk:{i + 1}", "vk", str(i + 1), f"https://vk.com/club{i + 1}", f"b{i}", import_id)
                for i in range(pages)
            ),
        )


def _batches(day: date, pages: int, posts: int) -> list[RawBatch]:
    rnd = random.Random(42)
    start, end = dates.window_start(day, 7), dates.window_end(day)
    span = (end - start).total_seconds()

    def page(i: int):
        ok = rnd.random() > 0.05
        return (
            day,
            f"vk:{i + 1}",
            i + 1,
            f"club{i + 1}",
            f"Учреждение {i}",
            rnd.randint(0, 50_000) if ok else None,
            "ok" if ok else rnd.choice(["private", "deactivated", "error"]),
            None if ok else "skipped",
            {"id": i + 1, "members_count": 1},
        )

    def post(j: int):
        g = rnd.randint(1, pages)
        return (
            day,
            f"vk:{g}",
            g,
            j,
            start + timedelta(seconds=rnd.random() * span),
            rnd.randint(0, 10_000),
            rnd.randint(0, 100),
            rnd.randint(0, 10),
            rnd.randint(0, 20),
            "текст поста",
            {"id": j},
        )

    return [
        RawBatch("raw.vk_pages", PAGE_COLUMNS, (page(i) for i in range(pages))),
        RawBatch("raw.vk_posts", POST_COLUMNS, (post(j) for j in range(posts))),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="URL of a scratch PostgreSQL database")
    parser.add_argument("--pages", type=int, default=89_000)
    parser.add_argument("--posts", type=int, default=50_000)
    args = parser.parse_args(argv)
    day = date(2026, 11, 9)

    _setup_registry(args.url, args.pages)
    t = time.monotonic()
    load_id = loads.land("vk", day, _batches(day, args.pages, args.posts), url=args.url).load_id
    print(f"landed load {load_id}: {args.pages} pages, {args.posts} posts in {time.monotonic() - t:.1f} s")
    for attempt in (1, 2):
        t = time.monotonic()
        outcome = validate_load(load_id, args.url)
        print(
            f"validation {attempt}: success={outcome.success} evaluated={outcome.evaluated} "
            f"failed={outcome.failed} in {time.monotonic() - t:.1f} s"
        )
        for line in outcome.failure_lines():
            print("  -", line)


if __name__ == "__main__":
    main()
