"""Every query the reports run against the marts, in one place (read-only; schema ``marts`` only).

The region report reads the daily summaries at the last snapshot date of its week (and of the week
before), the «светофор» (``page_compliance``), the week's best posts and the rating marts.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg2
import psycopg2.extras

from gospubliki import settings


def fetch(url: str | None, sql: str, params: Sequence = ()) -> list[dict]:
    """Rows of one query as dicts (a connection of its own, closed afterwards)."""
    conn = psycopg2.connect(url or settings.warehouse_url(), application_name="gospubliki-reports")
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(sql, params)
            return [dict(r) for r in cur.fetchall()]
    finally:
        conn.close()


# ---------------------------------------------------------------- rating
RATING_PERIODS = """
    select period_id, max(period_start) as period_start from marts.municipality_rating
    where methodology_code = %s and (%s::text is null or region_code = %s)
    group by period_id order by 2 desc
"""
RATING = """
    select methodology_code, methodology_name, is_example, period_type, period_id, period_start,
           period_end_date, previous_period_id, region_code, region_name, place, municipality_id,
           municipality_name, score, max_score, score_percent, dynamics, dynamics_pp, is_new,
           missing_criteria
    from marts.municipality_rating
    where methodology_code = %s and period_id = %s and (%s::text is null or region_code = %s)
"""
RATING_CRITERIA = """
    select region_code, municipality_id, criterion_code, criterion_description, criterion_kind, metric,
           threshold, criterion_points, criterion_sort_order, points_awarded
    from marts.municipality_rating_criteria
    where methodology_code = %s and period_id = %s and (%s::text is null or region_code = %s)
"""

# ---------------------------------------------------------------- region report
#: every region of the reference (region_summary has a row per region for the map) and whether
#: the registry has institutions there
REGIONS = """
    select region_code, max(region_name) as region_name, max(institutions) > 0 as has_data
    from marts.region_summary where network = 'all'
    group by region_code order by region_code
"""
#: the snapshot dates of a region (the report's weeks are the ISO weeks of these dates)
REGION_DATES = """
    select distinct snapshot_date from marts.region_summary
    where region_code = %s and network = 'all' and institutions > 0
    order by snapshot_date
"""
#: the regions with data in a week (the weekly task writes a report for each)
REGIONS_OF_WEEK = """
    select distinct region_code from marts.region_summary
    where network = 'all' and institutions > 0 and snapshot_date between %s and %s
    order by region_code
"""
#: the headline figures: all networks together, an institution with several pages counted once
HEADLINE = """
    select created_institutions, target_institutions, coverage_percent, pages, pages_connected,
           pages_badged, subscribers, posts_per_week
    from marts.region_summary
    where region_code = %s and snapshot_date = %s and network = 'all'
"""
#: the same figures per network (VK, OK, Telegram)
NETWORKS = """
    select network, created_institutions, pages, pages_connected, pages_badged, subscribers, posts_per_week
    from marts.region_summary
    where region_code = %s and snapshot_date = %s and network <> 'all'
    order by case network when 'vk' then 1 when 'ok' then 2 when 'tg' then 3 else 4 end
"""
#: «создано / создать» per sector (the mart has a row per sector and level: summed over levels)
SECTORS = """
    select sector, sector_label, min(sort_order) as sort_order,
           sum(target_institutions)::bigint as target_institutions,
           sum(created_institutions)::bigint as created_institutions,
           sum(to_create_institutions)::bigint as to_create_institutions,
           round(100.0 * sum(created_institutions) / nullif(sum(target_institutions), 0), 1) as coverage_percent,
           sum(pages)::bigint as pages, sum(subscribers)::bigint as subscribers,
           sum(posts_per_week)::bigint as posts_per_week
    from marts.sector_region_summary
    where region_code = %s and snapshot_date = %s
    group by sector, sector_label
    having sum(institutions) > 0
    order by sort_order, sector
"""
MUNICIPALITIES = """
    select municipality_id, municipality_display_name, population, target_institutions,
           created_institutions, to_create_institutions, coverage_percent, pages, subscribers,
           subscribers_per_1000, posts_per_week, views_per_week, er_views
    from marts.municipality_summary
    where region_code = %s and snapshot_date = %s
    order by subscribers desc, municipality_display_name
"""
# the sector's Russian name and order come from sector_summary (a dim_sector/dim_page from the
# «bi» work would make this join a plain lookup)
_SECTOR_LABELS = """
    (select distinct sector, sector_label, sort_order from marts.sector_summary) s
"""
#: the «светофор»: pages per status and sector
COMPLIANCE = f"""
    select c.sector, coalesce(s.sector_label, c.sector) as sector_label,
           count(*) filter (where c.compliance_status = 'green') as green,
           count(*) filter (where c.compliance_status = 'yellow') as yellow,
           count(*) filter (where c.compliance_status = 'red') as red,
           count(*) filter (where c.compliance_status = 'no_data') as no_data,
           count(*) as pages
    from marts.page_compliance c left join {_SECTOR_LABELS} using (sector)
    where c.region_code = %s and c.snapshot_date = %s
    group by c.sector, s.sector_label, s.sort_order
    order by s.sort_order, c.sector
"""
#: the red pages to fix first: the largest audiences
RED_PAGES = f"""
    select c.institution_name, c.page_name, c.page_url, c.network, c.members_count,
           c.compliance_score, c.unmet_requirements, coalesce(s.sector_label, c.sector) as sector_label
    from marts.page_compliance c left join {_SECTOR_LABELS} using (sector)
    where c.region_code = %s and c.snapshot_date = %s and c.compliance_status = 'red'
    order by c.members_count desc nulls last, c.page_key
    limit %s
"""
#: the region's best posts of the week by views. best_posts_weekly ranks within a sector; the
#: region-wide top N is the top N of their union (each sector keeps its own top N, so no post of
#: the region's top N is missing). The «bi» work adds region-wide ranks to the mart: read them then.
BEST_POSTS = """
    select post_key, network, sector_label, institution_name, page_name, post_url, post_text_preview,
           posted_date, view_count, interaction_count, er_views
    from marts.best_posts_weekly
    where region_code = %s and week_id = %s and ranking = 'views'
    order by view_count desc, er_views desc nulls last, post_key
    limit %s
"""

#: methodologies the rating mart has periods of (for a region, or all), to name in a refusal
RATING_METHODOLOGIES_WITH_DATA = """
select methodology_code, max(period_id) as latest from marts.municipality_rating
where %s::text is null or region_code = %s group by 1 order by 1
"""
