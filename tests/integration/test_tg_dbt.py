"""VK and Telegram loads of one simulated world through the real pipeline: registry CSV import, VK
extraction over HTTP to the simulator, Telegram extraction over the simulator's MTProto sender, GX
validation and publication of both loads, then ``dbt build`` of the marts' lineage.

The Telegram figures of ``fct_page_daily`` and of ``national_summary`` (network 'tg', and its share
of 'all') are computed here from the raw rows the extraction landed, not copied from dbt."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
import tg_world as tw

from gospubliki.extract.vk import run_vk_extraction
from gospubliki.quality import check_and_publish
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.simulator.config import DEFAULT_VK_TOKENS
from gospubliki.simulator.registry import synthetic_municipalities, write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.telegram_fake import TelegramSimulator
from gospubliki.simulator.world import build_world
from gospubliki.transform import dbt
from gospubliki.warehouse import db

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 1)
SUMMARY = ("pages", "pages_unavailable", "subscribers", "posts_per_week")


@pytest.fixture(scope="module")
def world():
    return build_world(Scale.from_name("region"), seed=7)


def _raw_tg(url: str, load_id: int) -> dict[str, dict]:
    """Page key -> the figures fct_page_daily must show, from the raw rows of the load."""
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select page_key, fetch_status, members_count from raw.tg_pages where load_id = %s", (load_id,)
        )
        pages = {k: {"fetch_status": s, "members_count": m} for k, s, m in cur.fetchall()}
        cur.execute(
            "select page_key, views, likes, reposts, comments from raw.tg_posts where load_id = %s",
            (load_id,),
        )
        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        for key, views, likes, reposts, comments in cur.fetchall():
            for i, value in enumerate((1, views or 0, likes, reposts, comments)):
                sums[key][i] += value
    for key, page in pages.items():
        page["sums"] = tuple(sums.get(key, (0, 0, 0, 0, 0)))
    return pages


def test_vk_and_tg_loads_build_into_the_marts(fresh_db, world, tmp_path, monkeypatch):
    tw.copy_gx(tmp_path, monkeypatch)
    load_reference(fresh_db, extra_municipalities=synthetic_municipalities(world))
    csv_path = tmp_path / "registry.csv"
    write_registry_csv(csv_path, world)
    report = import_registry(csv_path, url=fresh_db)
    assert not report.rejects and report.pages_by_network["tg"] == len(world.pages_on("tg"))
    monkeypatch.setenv("GOSPUBLIKI_VK_RETRY_WAIT", "0.05")
    with start_in_thread(world) as sim:
        vk = run_vk_extraction(
            DAY, url=fresh_db, base_url=sim.url_template, tokens=list(DEFAULT_VK_TOKENS), rps=20
        )
    assert check_and_publish(vk.load_id, fresh_db).success
    tg, _ = tw.run(fresh_db, DAY, TelegramSimulator(world), resolve_budget=1_000)
    assert check_and_publish(tg.load_id, fresh_db).success

    result = dbt.build(
        fresh_db, select=["+fct_page_daily", "+national_summary"],
        target_path=tmp_path / "target", log_path=tmp_path / "logs",
    )
    assert result.success, result.exception

    expected = _raw_tg(fresh_db, tg.load_id)
    assert len(expected) == len(world.pages_on("tg"))
    with db.connect(fresh_db) as conn, conn.cursor() as cur:
        cur.execute(
            "select page_key, fetch_status, is_active, members_count, posts_7d, views_7d, likes_7d,"
            " reposts_7d, comments_7d from marts.fct_page_daily where network = 'tg' and snapshot_date = %s",
            (DAY,),
        )
        fct = {r[0]: r[1:] for r in cur.fetchall()}
        cur.execute(
            f"select network, {', '.join(SUMMARY)} from marts.national_summary where snapshot_date = %s",
            (DAY,),
        )
        summary = {r[0]: dict(zip(SUMMARY, r[1:], strict=True)) for r in cur.fetchall()}
    assert set(fct) == set(expected)
    for key, page in expected.items():
        active = page["fetch_status"] == "ok"
        sums = page["sums"] if active else (None,) * len(page["sums"])  # unread posts: «нет данных»
        assert fct[key] == (page["fetch_status"], active, page["members_count"], *sums), key

    ok_pages = [p for p in expected.values() if p["fetch_status"] == "ok"]
    assert summary["tg"] == {
        "pages": len(ok_pages),
        "pages_unavailable": len(expected) - len(ok_pages),
        "subscribers": sum(p["members_count"] for p in ok_pages),
        "posts_per_week": sum(p["sums"][0] for p in expected.values()),
    }
    assert {"vk", "tg", "all"} <= set(summary)
    assert all(summary["all"][c] == summary["vk"][c] + summary["tg"][c] for c in SUMMARY)
    print("\nnational_summary", DAY, {n: summary[n] for n in ("vk", "tg", "all")})
