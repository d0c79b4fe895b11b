{#
    The rating's working: methodology × period × rated municipality × criterion, with the metric
    value, the threshold and the points awarded. Methodologies and criteria are data
    (seeds rating_methodologies, rating_criteria; docs/rating-methodology.md):

    * computed criterion: `points` when the municipality's metric >= threshold (tiers on one
      metric add up); metrics are measured over the pages of the methodology's rated
      institutions (default: ОМСУ, sector local, level municipal), each network on its latest
      validated snapshot date within the period (period_end_date = the latest of them);
    * manual criterion: the expert's points from registry.rating_manual_scores (capped to the
      criterion's points; the importer rejects values outside 0..points).

    Rated municipalities of a period: those with a rated institution in the registry (without an
    exemption), plus those whose rated pages were observed that day or that have manual scores.
    A criterion without data (network without a validated load in the period, page not read by
    the API, posts of the live pages not read — fetch_status 'posts_unread' —, nothing to divide
    by, no manual score) gives 0 points and is_missing = true: the municipality never disappears,
    and «unread» is never scored as «0 posts». Counters the API did not give are unknown: the
    engagement rate takes the views of the pages whose interactions are known only.

    Periods: a methodology with computed criteria has the periods (ISO week or month) that have
    snapshot dates; a manual-only methodology has the periods that have manual scores.

    History: incremental, delete+insert per (methodology, period). A build recomputes only the
    periods whose inputs changed since the rows were written — a snapshot date of the period
    (re)processed by fct_page_daily (national_summary.source_processed_at) or manual scores of
    the period imported (imported_at) — and a methodology's whole history when it is new. Past
    periods are therefore not rewritten when the seeds change; `--full-refresh` recomputes all
    of history with the current seeds and registry.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['methodology_code', 'period_id'],
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['methodology_code', 'period_id']},
            {'columns': ['methodology_code', 'source_changed_at']},
            {'columns': ['methodology_code', 'period_start']},
            {'columns': ['processed_at']},
        ],
    )
}}

{%- set selected = var('rating_methodologies') or [] %}

with

methodologies as (

    select * from {{ ref('rating_methodologies') }}
    {%- if selected %}
    where methodology_code in (
        {%- for code in selected %}'{{ code | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}
    )
    {%- endif %}

),

criteria as (

    select * from {{ ref('rating_criteria') }}

),

-- the dates with data, from the small national summary instead of the page-day history (not
-- materialized: read twice, each read keeps its own index condition)
national_summary as not materialized (

    select * from {{ ref('national_summary') }}

),

page_days as (

    select * from {{ ref('fct_page_daily') }}

),

loads as (

    select * from {{ ref('stg_raw__loads') }}

),

institutions as (

    select * from {{ ref('int_institutions_joined_to_municipalities') }}

),

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

manual_scores as (

    select * from {{ ref('stg_rating_manual__scores') }}

),

methodology_settings as (

    select
        methodologies.methodology_code,
        methodologies.period_type,
        methodologies.rated_level,
        string_to_array(replace(methodologies.rated_sectors, ' ', ''), ';') as rated_sectors,
        methodologies.max_score,
        coalesce(bool_or(criteria.kind = 'computed'), false) as has_computed_criteria

    from methodologies
    left join criteria
        on methodologies.methodology_code = criteria.methodology_code
    group by 1, 2, 3, 4, 5

),

-- per methodology, the latest input change its rows already reflect (-infinity: none built yet,
-- the methodology's whole history is computed)
built_up_to as (

    select
        methodology_settings.methodology_code,
        {%- if is_incremental() %}
        coalesce(
            (
                select max(already_processed.source_changed_at)
                from {{ this }} as already_processed
                where already_processed.methodology_code = methodology_settings.methodology_code
            ),
            '-infinity'::timestamptz
        ) as source_changed_at
        {%- else %}
        '-infinity'::timestamptz as source_changed_at
        {%- endif %}

    from methodology_settings

),

-- the snapshot dates (re)processed since then, found through the summary's index on
-- source_processed_at (not by reading every date of the history)
changed_snapshot_dates as (

    select
        snapshot_date,
        source_processed_at

    from national_summary
    where
        network = 'all'
        and source_processed_at > (select min(built_up_to.source_changed_at) from built_up_to)

),

changed_data_periods as (

    select distinct
        methodology_settings.methodology_code,
        date_trunc(methodology_settings.period_type, changed_snapshot_dates.snapshot_date)::date as period_start

    from methodology_settings
    inner join built_up_to
        on methodology_settings.methodology_code = built_up_to.methodology_code
    inner join changed_snapshot_dates
        on changed_snapshot_dates.source_processed_at > built_up_to.source_changed_at
    where methodology_settings.has_computed_criteria

),

manual_periods as (

    select
        methodology_code,
        period_start,
        max(imported_at) as manual_changed_at

    from manual_scores
    group by 1, 2

),

-- the periods whose inputs changed: a snapshot date or a manual score of the period
changed_periods as (

    select
        methodology_code,
        period_start

    from changed_data_periods

    union

    select
        manual_periods.methodology_code,
        manual_periods.period_start

    from manual_periods
    inner join built_up_to
        on manual_periods.methodology_code = built_up_to.methodology_code
    where manual_periods.manual_changed_at > built_up_to.source_changed_at

),

-- every snapshot date of a changed period (a methodology with computed criteria has the periods
-- that have snapshot dates), read by an index range on the summary's snapshot_date
data_periods as (

    select
        changed_periods.methodology_code,
        changed_periods.period_start,
        max(national_summary.snapshot_date) as period_end_date,
        max(national_summary.source_processed_at) as data_changed_at

    from changed_periods
    inner join methodology_settings
        on changed_periods.methodology_code = methodology_settings.methodology_code
    inner join national_summary
        on
            national_summary.snapshot_date >= changed_periods.period_start
            and national_summary.snapshot_date
            < (changed_periods.period_start + ('1 ' || methodology_settings.period_type)::interval)::date
            and national_summary.network = 'all'
    where methodology_settings.has_computed_criteria
    group by 1, 2

),

-- a manual-only methodology has the periods that have manual scores
period_candidates as (

    select
        methodology_code,
        period_start

    from data_periods

    union

    select
        changed_periods.methodology_code,
        changed_periods.period_start

    from changed_periods
    inner join methodology_settings
        on changed_periods.methodology_code = methodology_settings.methodology_code
    where not methodology_settings.has_computed_criteria

),

periods_to_process as (

    select
        period_candidates.methodology_code,
        methodology_settings.period_type,
        methodology_settings.rated_sectors,
        methodology_settings.rated_level,
        methodology_settings.max_score,
        period_candidates.period_start,
        data_periods.period_end_date,
        greatest(data_periods.data_changed_at, manual_periods.manual_changed_at) as source_changed_at

    from period_candidates
    inner join methodology_settings
        on period_candidates.methodology_code = methodology_settings.methodology_code
    left join data_periods
        on
            period_candidates.methodology_code = data_periods.methodology_code
            and period_candidates.period_start = data_periods.period_start
    left join manual_periods
        on
            period_candidates.methodology_code = manual_periods.methodology_code
            and period_candidates.period_start = manual_periods.period_start

),

-- each network is measured on its own latest validated snapshot date within the period (a
-- network whose load failed on the last day is read from the day before, not reported missing)
network_period_ends as (

    select
        periods_to_process.methodology_code,
        periods_to_process.period_start,
        loads.network,
        max(loads.snapshot_date) as network_end_date

    from periods_to_process
    inner join loads
        on
            loads.snapshot_date between periods_to_process.period_start and periods_to_process.period_end_date
            and loads.is_validated
            and loads.network in (
                {%- for network in var('networks') %}'{{ network }}'{{ ", " if not loop.last }}{% endfor -%}
            )
    group by 1, 2, 3

),

period_networks as (

    select
        periods_to_process.methodology_code,
        periods_to_process.period_start,
        coalesce(bool_or(network_period_ends.network = 'vk'), false) as is_vk_loaded,
        coalesce(bool_or(network_period_ends.network = 'ok'), false) as is_ok_loaded,
        coalesce(bool_or(network_period_ends.network = 'tg'), false) as is_tg_loaded

    from periods_to_process
    left join network_period_ends
        on
            periods_to_process.methodology_code = network_period_ends.methodology_code
            and periods_to_process.period_start = network_period_ends.period_start
    group by 1, 2

),

rated_page_days as (

    select
        periods_to_process.methodology_code,
        periods_to_process.period_start,
        page_days.municipality_id,
        page_days.network,
        page_days.fetch_status,
        page_days.is_active,
        page_days.is_verified,
        page_days.has_full_design,
        page_days.members_count,
        page_days.posts_7d,  -- null: the page's posts were not read («нет данных», not 0)
        page_days.views_7d,
        page_days.likes_7d + page_days.reposts_7d + page_days.comments_7d as interactions_7d,
        -- engagement takes the views of the pages whose interactions are known only (unknown ≠ 0)
        case
            when page_days.likes_7d + page_days.reposts_7d + page_days.comments_7d is not null
                then page_days.views_7d
        end as views_with_interactions_7d

    from periods_to_process
    inner join network_period_ends
        on
            periods_to_process.methodology_code = network_period_ends.methodology_code
            and periods_to_process.period_start = network_period_ends.period_start
    -- each network's end date read through the fact's index on (snapshot_date, network), once
    -- per network and period: as a plain join (the dates are not literals here) the planner
    -- hashed the whole fact instead — at a year, a sequential scan of 31 M page-days, 213 s of a
    -- daily build. `offset 0` keeps PostgreSQL from pulling the subquery up into that join.
    cross join lateral (
        select *
        from page_days
        where
            page_days.network = network_period_ends.network
            and page_days.snapshot_date = network_period_ends.network_end_date
        offset 0
    ) as page_days
    where
        page_days.sector = any(periods_to_process.rated_sectors)
        and page_days.level = periods_to_process.rated_level
        and page_days.municipality_id is not null

),

observed_metrics as (

    select
        methodology_code,
        period_start,
        municipality_id,
        coalesce(bool_or(network = 'vk' and is_active), false) as has_active_vk_page,
        coalesce(bool_or(network = 'vk' and fetch_status = 'error'), false) as has_unread_vk_page,
        coalesce(bool_or(network = 'ok' and is_active), false) as has_active_ok_page,
        coalesce(bool_or(network = 'ok' and fetch_status = 'error'), false) as has_unread_ok_page,
        coalesce(bool_or(network = 'tg' and is_active), false) as has_active_tg_page,
        coalesce(bool_or(network = 'tg' and fetch_status = 'error'), false) as has_unread_tg_page,
        coalesce(bool_or(is_active and is_verified), false) as has_gov_badge,
        coalesce(bool_or(is_active and has_full_design), false) as has_full_design,
        max(posts_7d) filter (where is_active) as max_posts_per_week,  -- over pages whose posts were read
        coalesce(bool_or(is_active and posts_7d is null), false) as has_posts_unread_page,
        coalesce(sum(posts_7d) filter (where is_active), 0) as posts_7d,
        coalesce(sum(views_7d) filter (where is_active), 0) as views_7d,
        coalesce(sum(interactions_7d) filter (where is_active), 0) as interactions_7d,
        coalesce(sum(views_with_interactions_7d) filter (where is_active), 0) as views_with_interactions_7d,
        coalesce(sum(members_count) filter (where is_active), 0) as subscribers

    from rated_page_days
    group by 1, 2, 3

),

registry_entities as (

    select distinct
        periods_to_process.methodology_code,
        periods_to_process.period_start,
        institutions.municipality_id

    from periods_to_process
    inner join institutions
        on
            institutions.sector = any(periods_to_process.rated_sectors)
            and institutions.level = periods_to_process.rated_level
    where
        institutions.municipality_id is not null
        and not institutions.has_exemption

),

manual_entities as (

    select distinct
        manual_scores.methodology_code,
        manual_scores.period_start,
        manual_scores.entity_id as municipality_id

    from manual_scores
    inner join periods_to_process
        on
            manual_scores.methodology_code = periods_to_process.methodology_code
            and manual_scores.period_start = periods_to_process.period_start

),

entities as (

    select methodology_code, period_start, municipality_id from registry_entities
    union
    select methodology_code, period_start, municipality_id from observed_metrics
    union
    select methodology_code, period_start, municipality_id from manual_entities

),

-- one value per metric; null = no data (the criterion is reported missing, 0 points)
entity_metrics as (

    select
        entities.methodology_code,
        entities.period_start,
        entities.municipality_id,
        case
            when observed_metrics.has_active_vk_page then 1
            when not period_networks.is_vk_loaded or observed_metrics.has_unread_vk_page then null
            else 0
        end as vk_page_active,
        case
            when observed_metrics.has_active_ok_page then 1
            when not period_networks.is_ok_loaded or observed_metrics.has_unread_ok_page then null
            else 0
        end as ok_page_active,
        case
            when observed_metrics.has_active_tg_page then 1
            when not period_networks.is_tg_loaded or observed_metrics.has_unread_tg_page then null
            else 0
        end as tg_page_active,
        case
            when period_networks.is_vk_loaded or period_networks.is_ok_loaded or period_networks.is_tg_loaded
                then coalesce(observed_metrics.has_gov_badge::integer, 0)
        end as has_gov_badge,
        case
            when period_networks.is_vk_loaded or period_networks.is_ok_loaded or period_networks.is_tg_loaded
                then coalesce(observed_metrics.has_full_design::integer, 0)
        end as has_full_design,
        -- the most active page among those whose posts were read; when the only live pages could
        -- not be read (posts_unread) the metric is «нет данных» (missing), never «0 публикаций»
        case
            when not (period_networks.is_vk_loaded or period_networks.is_ok_loaded or period_networks.is_tg_loaded)
                then null
            when observed_metrics.max_posts_per_week is not null then observed_metrics.max_posts_per_week
            when observed_metrics.has_posts_unread_page then null
            else 0
        end as max_posts_per_week,
        round(
            {{ safe_divide('observed_metrics.views_7d', 'observed_metrics.posts_7d') }},
            2
        ) as avg_views_per_post,
        round(
            {{ safe_divide('observed_metrics.interactions_7d', 'observed_metrics.views_with_interactions_7d') }},
            4
        ) as engagement_rate_views,
        case
            when period_networks.is_vk_loaded or period_networks.is_ok_loaded or period_networks.is_tg_loaded
                then round(
                    {{ safe_divide('coalesce(observed_metrics.subscribers, 0) * 1000', 'municipalities.population') }},
                    2
                )
        end as subscribers_per_1000

    from entities
    inner join municipalities
        on entities.municipality_id = municipalities.municipality_id
    left join observed_metrics
        on
            entities.methodology_code = observed_metrics.methodology_code
            and entities.period_start = observed_metrics.period_start
            and entities.municipality_id = observed_metrics.municipality_id
    left join period_networks
        on
            entities.methodology_code = period_networks.methodology_code
            and entities.period_start = period_networks.period_start

),

entity_criteria as (

    select
        periods_to_process.methodology_code,
        periods_to_process.period_type,
        periods_to_process.period_start,
        periods_to_process.period_end_date,
        periods_to_process.max_score,
        periods_to_process.source_changed_at,
        entities.municipality_id,
        municipalities.region_code,
        regions.region_name,
        municipalities.municipality_display_name as municipality_name,
        criteria.criterion_code,
        criteria.kind,
        criteria.metric,
        criteria.description_ru as criterion_description,
        criteria.sort_order as criterion_sort_order,
        criteria.threshold,
        criteria.points as criterion_points,
        case criteria.metric
            when 'vk_page_active' then entity_metrics.vk_page_active::numeric
            when 'ok_page_active' then entity_metrics.ok_page_active::numeric
            when 'tg_page_active' then entity_metrics.tg_page_active::numeric
            when 'has_gov_badge' then entity_metrics.has_gov_badge::numeric
            when 'has_full_design' then entity_metrics.has_full_design::numeric
            when 'max_posts_per_week' then entity_metrics.max_posts_per_week::numeric
            when 'avg_views_per_post' then entity_metrics.avg_views_per_post
            when 'engagement_rate_views' then entity_metrics.engagement_rate_views
            when 'subscribers_per_1000' then entity_metrics.subscribers_per_1000
        end as computed_value,
        manual_scores.points as manual_points,
        manual_scores.manual_comment

    from entities
    inner join periods_to_process
        on
            entities.methodology_code = periods_to_process.methodology_code
            and entities.period_start = periods_to_process.period_start
    inner join criteria
        on entities.methodology_code = criteria.methodology_code
    inner join municipalities
        on entities.municipality_id = municipalities.municipality_id
    inner join regions
        on municipalities.region_code = regions.region_code
    left join entity_metrics
        on
            entities.methodology_code = entity_metrics.methodology_code
            and entities.period_start = entity_metrics.period_start
            and entities.municipality_id = entity_metrics.municipality_id
    left join manual_scores
        on
            criteria.kind = 'manual'
            and entities.methodology_code = manual_scores.methodology_code
            and entities.period_start = manual_scores.period_start
            and entities.municipality_id = manual_scores.entity_id
            and criteria.criterion_code = manual_scores.criterion_code

),

scored as (

    select
        entity_criteria.*,
        case
            when entity_criteria.kind = 'manual' then entity_criteria.manual_points
            else entity_criteria.computed_value
        end as metric_value

    from entity_criteria

),

final as (

    select
        scored.methodology_code
        || '/' || {{ rating_period_id('scored.period_type', 'scored.period_start') }}
        || '/' || scored.municipality_id
        || '/' || scored.criterion_code as rating_criterion_id,
        scored.methodology_code,
        {{ rating_period_id('scored.period_type', 'scored.period_start') }} as period_id,
        scored.municipality_id,
        scored.region_code,
        scored.criterion_code,
        scored.period_type,
        scored.region_name,
        scored.municipality_name,
        scored.kind as criterion_kind,
        scored.metric,
        scored.criterion_description,
        scored.criterion_sort_order,
        scored.metric_value,
        scored.threshold,
        scored.criterion_points,
        case
            when scored.metric_value is null then 0
            when scored.kind = 'manual'
                then least(greatest(scored.metric_value, 0), scored.criterion_points)
            when scored.metric_value >= scored.threshold then scored.criterion_points
            else 0
        end as points_awarded,
        case
            when scored.kind = 'manual' then coalesce(scored.metric_value >= scored.criterion_points, false)
            else coalesce(scored.metric_value >= scored.threshold, false)
        end as is_met,
        scored.metric_value is null as is_missing,
        scored.manual_comment,
        scored.max_score,
        scored.period_start,
        scored.period_end_date,
        scored.source_changed_at,
        '{{ run_started_at.isoformat() }}'::timestamptz as processed_at

    from scored

)

select * from final
