"""Console views of the marts for engineers and the demo (Russian headers, like the presentation)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from gospubliki import settings
from gospubliki.warehouse import db

NETWORK_LABELS = {"all": "Все сети", "vk": "ВКонтакте", "ok": "Одноклассники", "tg": "Telegram"}


def _fmt(n) -> str:
    return "—" if n is None else f"{int(n):,}".replace(",", " ")


def latest_snapshot_date(cur):
    cur.execute("select max(snapshot_date) from marts.national_summary")
    return cur.fetchone()[0]


def print_national(console: Console, url: str | None = None) -> None:
    """National summary of the latest snapshot date, per network and in total."""
    with db.connect(url) as conn, conn.cursor() as cur:
        day = latest_snapshot_date(cur)
        if day is None:
            console.print("[yellow]marts.national_summary is empty: no validated load has been built yet[/]")
            return
        cur.execute(
            """select network, institutions_required, institutions_with_pages, pages, subscribers, posts_per_week
               from marts.national_summary where snapshot_date = %s
               order by case network when 'all' then 0 when 'vk' then 1 when 'ok' then 2 else 3 end""",
            (day,),
        )
        rows = cur.fetchall()
    table = Table(title=f"Госпаблики: сводка на {day:%d.%m.%Y}")
    for col in ("Сеть", "Учреждений (должны вести)", "С госпабликами", "Госпабликов", "Подписчиков", "Публикаций за неделю"):
        table.add_column(col, justify="left" if col == "Сеть" else "right")
    for network, required, with_pages, pages, subs, posts in rows:
        table.add_row(NETWORK_LABELS.get(network, network), _fmt(required), _fmt(with_pages), _fmt(pages),
                      _fmt(subs), _fmt(posts))
    console.print(table)


def print_sectors(console: Console, url: str | None = None) -> None:
    """Sector table («создано / создать») of the latest snapshot date."""
    with db.connect(url) as conn, conn.cursor() as cur:
        day = latest_snapshot_date(cur)
        cur.execute(
            """select sector_label, target_institutions, created_institutions, to_create_institutions,
                      pages, subscribers
               from marts.sector_summary where snapshot_date = %s and target_institutions > 0
               order by sort_order""",
            (day,),
        )
        rows = cur.fetchall()
    table = Table(title=f"Сферы на {day:%d.%m.%Y}" if day else "Сферы")
    for col in ("Сфера", "Должны вести", "Создано", "Создать", "Госпабликов", "Подписчиков"):
        table.add_column(col, justify="left" if col == "Сфера" else "right")
    for label, *nums in rows:
        table.add_row(label, *(_fmt(n) for n in nums))
    console.print(table)


def print_rating(console: Console, region_code: str, url: str | None = None) -> None:
    """The latest rating table of a region, as a ЦУР publishes it."""
    from gospubliki.reports import rating

    table = rating.rating_table(region_code, url=url)
    console.print(rating.render_console(table))


def print_next_steps(console: Console) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(settings.warehouse_url())  # the server only: no login, no password shown
    console.print(
        "\n[bold]Where to look next[/]\n"
        f"  • SQL / BI tool: {parts.hostname}:{parts.port}, database {parts.path.lstrip('/')}, schema [bold]marts[/];"
        " a read-only login of your own: gospubliki bi add-user NAME (docs/bi-guide.md, in Russian)\n"
        "  • the rating as XLSX/CSV/HTML/PNG: gospubliki rating --region 43 --out reports"
        " (latest period; --period 2026-W48 or 2026-11 for another)\n"
        "  • the region's weekly report like the presentation (HTML + PDF): gospubliki report --region 43\n"
        "  • dbt docs for the marts: make docs, then open dbt_project/target/index.html\n"
        "  • validation results: expectations/gx/uncommitted/data_docs/local_site/index.html\n"
        "  • these DAG runs with their task logs, and trigger / re-run / backfill, in the Airflow UI with the "
        f"simulated networks: make ui (log files under {settings.home() / 'airflow' / 'logs'})\n"
        "  • stop the warehouse: gospubliki warehouse stop"
    )
