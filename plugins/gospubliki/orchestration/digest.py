"""The morning digest of ``marts.page_alerts_daily``: one message per snapshot date, through the
same channels as the pipeline alerts (``notifiers.send``), for the ЦУР on duty.

It gives the counts by alert kind (overall and per region, the regions with most alerts first)
and the largest pages of each kind as examples with their links. The text is one Jinja template,
``templates/digest.j2``; a Telegram message holds at most 4 096 characters, so regions beyond
:data:`MAX_REGIONS` are summed into one line and examples are ``GOSPUBLIKI_ALERT_DIGEST_EXAMPLES``
per kind (3).
"""

from __future__ import annotations

import logging

from gospubliki import settings

log = logging.getLogger(__name__)

#: kinds in the order a digest lists them, with their Russian labels
KINDS = {
    "page_closed": "закрыты или удалены",
    "badge_lost": "потеряли отметку «Госорганизация»",
    "subscribers_drop": "резко потеряли подписчиков",
    "silent": "замолчали",
    "new_page": "новые страницы",
}
MAX_REGIONS = 10
SUBJECT = "[gospubliki] Оповещения о страницах за {{ digest.snapshot_date }}: {{ digest.total }}"


def digest(url: str, day: str, examples: int | None = None) -> dict:
    """The digest's numbers for ``day`` (ISO date), read from ``marts.page_alerts_daily``."""
    from gospubliki.warehouse import db

    examples = settings.alerts().digest_examples if examples is None else examples
    with db.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "select region_code, coalesce(region_name, region_code), alert_kind, count(*) "
            "from marts.page_alerts_daily where snapshot_date = %s group by 1, 2, 3", (day,))
        counts = cur.fetchall()
        cur.execute(
            "select alert_kind, page_key, coalesce(page_name, page_key), page_url, institution_name, detail_ru "
            "from (select a.*, row_number() over (partition by alert_kind order by "
            "      coalesce(members_count, previous_members_count) desc nulls last, page_key) as n "
            "      from marts.page_alerts_daily a where snapshot_date = %s) ranked "
            "where n <= %s order by alert_kind, n", (day, examples))
        top = cur.fetchall()
    by_kind = {kind: 0 for kind in KINDS}
    regions: dict[str, dict] = {}
    for code, name, kind, n in counts:
        by_kind[kind] = by_kind.get(kind, 0) + n
        region = regions.setdefault(code, {"region_code": code, "region_name": name, "total": 0, "kinds": {}})
        region["kinds"][kind] = n
        region["total"] += n
    ordered = sorted(regions.values(), key=lambda r: (-r["total"], r["region_code"]))
    rest = ordered[MAX_REGIONS:]
    return {
        "snapshot_date": day,
        "total": sum(by_kind.values()),
        "kinds": [{"kind": k, "label": KINDS.get(k, k), "count": n} for k, n in by_kind.items()],
        "regions": ordered[:MAX_REGIONS],
        "other_regions": {"count": len(rest), "total": sum(r["total"] for r in rest)},
        "labels": KINDS,
        "examples": {
            kind: [{"page_key": key, "page_name": name, "page_url": _absolute(link), "institution_name": inst,
                    "detail": detail}
                   for k, key, name, link, inst, detail in top if k == kind]
            for kind in KINDS
        },
    }


def _absolute(link: str | None) -> str | None:
    """A registry link as a clickable URL (the registry may give ``ok.ru/…`` without a scheme)."""
    return link if not link or "://" in link else "https://" + link


def send_digest(context: dict, url: str, day: str) -> dict:
    """Build the digest of ``day`` and send it through the configured channels; returns it (the
    task's XCom) with the channels used."""
    from gospubliki.orchestration import notifiers
    from gospubliki.orchestration.alerts import template

    numbers = digest(url, day)
    log.info("page alerts for %s: %s", day, ", ".join(f"{k['kind']} {k['count']}" for k in numbers["kinds"]))
    context["digest"] = numbers
    numbers["sent"] = notifiers.send(context, SUBJECT, template("digest.j2"))
    return numbers


def digest_task(day, **kwargs):
    """The daily DAG's ``data_alerts_digest`` task (after dbt built the mart)."""
    from airflow.sdk import get_current_context, task

    @task(task_id="data_alerts_digest", **kwargs)
    def data_alerts_digest(day: str) -> dict:
        from gospubliki.hooks.warehouse import warehouse_url

        return send_digest(get_current_context(), warehouse_url(), day)

    return data_alerts_digest(day)
