-- The rating's working: per period × rated municipality × criterion, the metric value and the
-- points awarded. Criteria are rows of the seed rating_criteria (metric >= threshold → points),
-- so a new criterion on an existing metric needs a seed row, not SQL.
--
-- Ratios are rounded (views per post and subscribers per 1 000 to 2 decimals, engagement to 4)
-- and criteria compare the rounded value, so the shown value explains the points.
--
-- Period: ISO week, measured on the latest snapshot date of that week. Rated: municipalities
-- whose ОМСУ (sector 'local', level 'municipal') has at least one page observed that day.
with

page_days as (

    select * from {{ ref('fct_page_daily') }}

),

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

criteria as (

    select * from {{ ref('rating_criteria') }}

),

-- the dates with data, from the small national summary instead of the page-day history
national_summary as (

    select * from {{ ref('national_summary') }}

),

periods as (

    select
        date_trunc('week', snapshot_date)::date as period_start,
        max(snapshot_date) as period_end_date

    from national_summary
    where network = 'all'
    group by 1

),

omsu_page_days as (

    select
        periods.period_start,
        page_days.*

    from page_days
    inner join periods
        on page_days.snapshot_date = periods.period_end_date
    where
        page_days.sector = 'local'
        and page_days.level = 'municipal'
        and page_days.municipality_id is not null

),

metrics_by_municipality as (

    select
        period_start,
        snapshot_date as period_end_date,
        municipality_id,
        max(case when network = 'vk' and is_active then 1 else 0 end) as vk_page_active,
        max(case when network = 'ok' and is_active then 1 else 0 end) as ok_page_active,
        max(case when network = 'tg' and is_active then 1 else 0 end) as tg_page_active,
        max(case when is_active and is_verified then 1 else 0 end) as has_gov_badge,
        max(case when is_active and has_full_design then 1 else 0 end) as has_full_design,
        coalesce(max(posts_7d) filter (where is_active), 0) as max_posts_per_week,
        sum(views_7d) filter (where is_active) as views_7d,
        sum(posts_7d) filter (where is_active) as posts_7d,
        sum(likes_7d + reposts_7d + comments_7d) filter (where is_active) as interactions_7d,
        sum(members_count) filter (where is_active) as subscribers

    from omsu_page_days
    group by 1, 2, 3

),

metrics_computed as (

    select
        metrics_by_municipality.period_start,
        metrics_by_municipality.period_end_date,
        metrics_by_municipality.municipality_id,
        municipalities.region_code,
        regions.region_name,
        municipalities.municipality_display_name as municipality_name,
        metrics_by_municipality.vk_page_active,
        metrics_by_municipality.ok_page_active,
        metrics_by_municipality.tg_page_active,
        metrics_by_municipality.has_gov_badge,
        metrics_by_municipality.has_full_design,
        metrics_by_municipality.max_posts_per_week,
        round(
            {{ safe_divide('metrics_by_municipality.views_7d', 'metrics_by_municipality.posts_7d') }},
            2
        ) as avg_views_per_post,
        round(
            {{ safe_divide('metrics_by_municipality.interactions_7d', 'metrics_by_municipality.views_7d') }},
            4
        ) as engagement_rate_views,
        round(
            {{ safe_divide('coalesce(metrics_by_municipality.subscribers, 0) * 1000', 'municipalities.population') }},
            2
        ) as subscribers_per_1000

    from metrics_by_municipality
    inner join municipalities
        on metrics_by_municipality.municipality_id = municipalities.municipality_id
    inner join regions
        on municipalities.region_code = regions.region_code

),

metrics_unpivoted as (

    select
        metrics_computed.period_start,
        metrics_computed.period_end_date,
        metrics_computed.municipality_id,
        metrics_computed.region_code,
        metrics_computed.region_name,
        metrics_computed.municipality_name,
        metric_values.metric,
        metric_values.metric_value

    from metrics_computed
    cross join lateral (
        values
        ('vk_page_active', metrics_computed.vk_page_active::numeric),
        ('ok_page_active', metrics_computed.ok_page_active::numeric),
        ('tg_page_active', metrics_computed.tg_page_active::numeric),
        ('has_gov_badge', metrics_computed.has_gov_badge::numeric),
        ('has_full_design', metrics_computed.has_full_design::numeric),
        ('max_posts_per_week', metrics_computed.max_posts_per_week::numeric),
        ('avg_views_per_post', metrics_computed.avg_views_per_post),
        ('engagement_rate_views', metrics_computed.engagement_rate_views),
        ('subscribers_per_1000', metrics_computed.subscribers_per_1000)
    ) as metric_values (metric, metric_value)

),

scored as (

    select
        to_char(metrics_unpivoted.period_start, 'IYYY-"W"IW')
        || '/' || metrics_unpivoted.municipality_id
        || '/' || criteria.criterion_code as rating_criterion_id,
        to_char(metrics_unpivoted.period_start, 'IYYY-"W"IW') as period_id,
        metrics_unpivoted.municipality_id,
        metrics_unpivoted.region_code,
        criteria.criterion_code,
        metrics_unpivoted.region_name,
        metrics_unpivoted.municipality_name,
        criteria.metric,
        criteria.description_ru as criterion_description,
        criteria.sort_order as criterion_sort_order,
        metrics_unpivoted.metric_value,
        criteria.threshold,
        criteria.points as criterion_points,
        case
            when metrics_unpivoted.metric_value >= criteria.threshold then criteria.points
            else 0
        end as points_awarded,
        coalesce(metrics_unpivoted.metric_value >= criteria.threshold, false) as is_met,
        metrics_unpivoted.period_start,
        metrics_unpivoted.period_end_date

    from metrics_unpivoted
    inner join criteria
        on metrics_unpivoted.metric = criteria.metric

)

select * from scored
