"""The weekly region report on a small built warehouse (the hand-made world of ``bi_world.py``:
regions 43, 12 and 77, snapshot dates in 2025-W46…W49), opened in headless Chromium.

Every number the page shows is compared with the marts, queried here with SQL of the test's own
(not the report's queries): the plotly traces of each chart, each table cell, the headline cards
and their change since last week. The page must load nothing from the network; the PDF has one
page per view. A screenshot is kept in ``$GOSPUBLIKI_HOME/screenshots/region-report.png``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import bi_world as w
import pytest
from browser import chromium_page

from gospubliki import settings
from gospubliki.reports import region

pytestmark = pytest.mark.integration

WEEK, DAY, PREVIOUS_DAY = "2025-W47", w.D2, w.D0  # the last snapshot of W47 and of W46
VIEWS = ("headline", "sectors", "municipalities", "compliance", "rating", "best-posts")
CHARTS = ("sectors", "municipalities", "compliance")
THIN = "\u202f"


@pytest.fixture(scope="module")
def built(module_db, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("region_report")
    world = w.prepare(module_db, tmp)
    for day in w.DATES:
        w.publish(world, day)
    w.build(module_db, tmp)  # default best_posts_top_n (10) = the report's top 10
    return tmp


def mart(url: str, sql: str, *params) -> list[dict]:
    return w.fetch(url, sql, params)


def number(text: str) -> Decimal:
    """A cell as the report writes it ('120 110', '66,7 %', '2,68 %') back to a number."""
    return Decimal(text.replace(THIN, "").replace("%", "").replace(",", ".").replace("\u2212", "-").strip())


def table(page, name: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f'table[data-table="{name}"] tbody tr', "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))"
    )


def test_the_report_shows_every_view_with_the_marts_numbers_in_chromium(built, module_db):
    # the weekly task writes every region with data in the week (the PDFs: checked on 43 below)
    weekly = region.weekly_export(DAY, built / "weekly", url=module_db, pdf=False)
    assert [f.relative_to(built / "weekly").as_posix() for f in weekly] == [
        f"{WEEK}/region_report_{code}_{WEEK}.html" for code in ("12", "43", "77")
    ]
    html, pdf = region.export_region("43", WEEK, built / "out", url=module_db)
    assert (html.name, pdf.name) == (f"region_report_43_{WEEK}.html", f"region_report_43_{WEEK}.pdf")

    requests: list[str] = []
    with chromium_page(width=1200, height=900) as page:
        page.set_default_timeout(region.PRINT_TIMEOUT_MS)  # a 5 MB page on a busy machine
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html.as_uri(), wait_until="load")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('svg.main-svg'))"
        )
        assert [r for r in requests if not r.startswith(("file:", "data:", "about:"))] == []
        assert page.eval_on_selector_all("section", "s => s.map(x => x.id)") == list(VIEWS)
        traces = {
            name: page.evaluate(
                f"() => document.querySelector('[data-chart={name}] .plotly-graph-div')"
                ".data.map(t => ({name: t.name, x: t.x, y: t.y}))"
            )
            for name in CHARTS
        }
        assert all(page.locator(f"[data-chart={n}] .plotly-graph-div svg.main-svg").count() >= 1 for n in CHARTS)
        cards = page.eval_on_selector_all(
            ".card", "cs => cs.map(c => [c.dataset.key, c.dataset.value, c.querySelector('.delta').innerText])"
        )
        tables = {n: table(page, n) for n in ("networks", "sectors", "municipalities", "compliance", "rating")}
        posts = page.eval_on_selector_all(
            '[data-table="best-posts"] tbody tr',
            "rows => rows.map(r => [r.querySelector('a').href, r.cells[5].innerText])",
        )
        shot = settings.home() / "screenshots" / "region-report.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot: {shot}")

    # headline: all networks at the end of W47, change against the end of W46 (+770 subscribers …)
    now, before = (
        mart(module_db, "select * from marts.region_summary where region_code = '43' and network = 'all' "
             "and snapshot_date = %s", day)[0]
        for day in (DAY, PREVIOUS_DAY)
    )
    keys = ("created_institutions", "pages", "subscribers", "posts_per_week")
    assert [c[:2] for c in cards] == [[k, str(now[k])] for k in keys]
    changes = [number(c[2].split()[0]) if c[2][0] in "+\u2212" else Decimal(0) for c in cards]
    assert changes == [now[k] - before[k] for k in keys]
    assert (now["subscribers"], before["subscribers"]) == (180_370, 179_600)
    assert [c[2] for c in cards][2] == "+770 за неделю"
    assert tables["networks"] == [["ВКонтакте", "7", "7", "5", "6", f"180{THIN}370", "49"]]

    # sectors: «создано / создать» summed over levels, in the chart and the table
    sectors = mart(
        module_db,
        """select min(sector_label) as label, sum(created_institutions) as created,
                  sum(to_create_institutions) as to_create, sum(subscribers) as subscribers
           from marts.sector_region_summary where region_code = '43' and snapshot_date = %s
           group by sector order by min(sort_order)""",
        DAY,
    )
    labels = [s["label"] for s in sectors]
    assert traces["sectors"] == [
        {"name": "Создано", "x": [s["created"] for s in sectors], "y": labels},
        {"name": "Создать", "x": [s["to_create"] for s in sectors], "y": labels},
    ]
    assert [(r[0], number(r[2]), number(r[3]), number(r[6])) for r in tables["sectors"]] == [
        (s["label"], s["created"], s["to_create"], s["subscribers"]) for s in sectors
    ]
    assert ("Школы", "2", "1", "1") == tuple(next(r for r in tables["sectors"] if r[0] == "Школы")[:4])

    # municipalities: subscribers and posts of each (Киров г.о., Котельнич г.о.)
    towns = mart(
        module_db,
        "select municipality_display_name as name, subscribers, posts_per_week, subscribers_per_1000 "
        "from marts.municipality_summary where region_code = '43' and snapshot_date = %s "
        "order by subscribers desc",
        DAY,
    )
    names = [t["name"] for t in towns]
    assert names == ["Киров г.о.", "Котельнич г.о."]
    assert [(t["name"], t["x"], t["y"]) for t in traces["municipalities"]] == [
        ("Подписчики", [t["subscribers"] for t in towns], names),
        ("Публикации", [t["posts_per_week"] for t in towns], names),
    ]
    assert [(r[0], number(r[4]), number(r[5]), number(r[6])) for r in tables["municipalities"]] == [
        (t["name"], t["subscribers"], t["subscribers_per_1000"].quantize(Decimal("0.1")), t["posts_per_week"])
        for t in towns
    ]

    # the «светофор»: pages per status and sector
    lights = mart(
        module_db,
        """select c.sector, count(*) filter (where compliance_status = 'green') as green,
                  count(*) filter (where compliance_status = 'yellow') as yellow,
                  count(*) filter (where compliance_status = 'red') as red,
                  count(*) filter (where compliance_status = 'no_data') as no_data
           from marts.page_compliance c join (select distinct sector, sort_order from marts.sector_summary) s
             using (sector)
           where region_code = '43' and snapshot_date = %s group by c.sector, s.sort_order order by s.sort_order""",
        DAY,
    )
    statuses = ("green", "yellow", "red", "no_data")
    assert [t["x"] for t in traces["compliance"]] == [[r[s] for r in lights] for s in statuses]
    assert [[number(v) for v in r[1:5]] for r in tables["compliance"]] == [[r[s] for s in statuses] for r in lights]
    assert sum(r["yellow"] for r in lights) == 3 and sum(r["red"] for r in lights) == 0

    # the rating of W47 as the mart has it
    rating = mart(
        module_db,
        "select place, municipality_name, score, score_percent, dynamics from marts.municipality_rating "
        "where region_code = '43' and period_id = %s and methodology_code = 'example_30' order by place",
        WEEK,
    )
    assert tables["rating"] == [
        [str(r["place"]), r["municipality_name"], f"{r['score']:f}".rstrip("0").rstrip("."), f"{r['score_percent']}%",
         r["dynamics"]]
        for r in rating
    ]

    # the region's top 10 posts of the week by views, with their links
    best = mart(
        module_db,
        "select post_url, view_count from marts.best_posts_weekly where region_code = '43' and week_id = %s "
        "and ranking = 'views' order by view_count desc, er_views desc nulls last, post_key limit 10",
        WEEK,
    )
    assert [(href, number(views)) for href, views in posts] == [(b["post_url"], b["view_count"]) for b in best]
    assert len(posts) == 10 and posts[0][0].startswith("https://vk.com/wall-4001_")

    # the PDF: one A4 page per view
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    print(f"PDF {pdf.stat().st_size} bytes, {pages} pages")
    assert data[:5] == b"%PDF-" and pages == len(VIEWS)
    assert re.search(rb"/Type\s*/Pages\b.*?/Count\s+(\d+)", data, re.S).group(1) == str(len(VIEWS)).encode()


def test_the_first_week_says_there_is_no_data_for_last_week(built, module_db):
    report = region.region_report("43", "2025-W46", url=module_db)
    text = region.render_html(report, built / "w46.html").read_text(encoding="utf-8")
    assert report.previous_date is None and all(h.previous is None for h in report.headline)
    assert text.count("нет данных за прошлую неделю") == 4
    assert "Неполная неделя: данные за 1 из 7 дней (12.11)." in text


GOSPUBLIKI = str(Path(sys.executable).with_name("gospubliki"))


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--region", "99"], {},
         "unknown region '99'; regions with data: 12 (Республика Марий Эл), 43 (Кировская область), 77 (Москва)"),
        (["--region", "43", "--period", "2026-W48"], {},
         "no data for region 43 (Кировская область) in 2026-W48; weeks with data: 2025-W49, 2025-W48, 2025-W47, "
         "2025-W46"),
        (["--region", "43", "--period", "2025-11"], {},
         "not an ISO week: '2025-11' (the region report is weekly: write it like '2026-W48')"),
        (["--region", "43"], {"GOSPUBLIKI_CHROMIUM": "/nowhere/chromium"},
         "no Chromium at /nowhere/chromium (needed for the PDF): install Debian's package with `sudo apt-get "
         "install chromium` (or scripts/ensure-chromium.sh), or point GOSPUBLIKI_CHROMIUM at a Chromium binary; "
         "or write the HTML only with --no-pdf"),
    ],
)
def test_a_wrong_region_week_or_a_missing_chromium_is_one_line_and_exit_2(built, module_db, args, env, message):
    proc = subprocess.run(
        [GOSPUBLIKI, "report", *args, "--out", str(built / "cli")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "GOSPUBLIKI_WAREHOUSE_URL": module_db, **env},
    )
    assert (proc.returncode, proc.stderr.splitlines()) == (2, [f"error: {message}"]), proc.stdout
    assert not (built / "cli").exists()


def test_the_latest_week_is_the_default(built, module_db):
    report = region.region_report("43", url=module_db)
    assert (report.period.period_id, report.snapshot_date, report.previous_date) == ("2025-W49", date(2025, 12, 1),
                                                                                     date(2025, 11, 25))
