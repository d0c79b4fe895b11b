-- Per snapshot date × federal subject × network (vk, ok, tg and 'all'): coverage of the
-- institutions that must keep a page, pages, subscribers (also per 1 000 residents) and activity.
-- Every subject of the reference is present on every date (a map needs all region codes).
-- Incremental by snapshot date; targets are those of the registry when the date was processed.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['snapshot_date']},
            {'columns': ['source_processed_at']},
        ],
    )
}}

with

{{ summary_page_days() }},

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

-- each page-day counts once for its own network and once for 'all'
page_days_by_summary_network as (

    select
        page_days.*,
        page_days.network as summary_network

    from page_days

    union all

    select
        page_days.*,
        'all'::text as summary_network

    from page_days

),

networks_by_date as (

    select distinct
        snapshot_date,
        summary_network as network

    from page_days_by_summary_network

),

targets_by_region as (

    select
        region_code,
        count(*) as institutions,
        count(*) filter (where not has_exemption) as target_institutions

    from institutions
    group by 1

),

created_by_region as (

    select
        page_days.snapshot_date,
        page_days.summary_network as network,
        institutions.region_code,
        count(distinct page_days.institution_id) as created_institutions

    from page_days_by_summary_network as page_days
    inner join institutions
        on page_days.institution_id = institutions.institution_id
    where
        page_days.is_active
        and not institutions.has_exemption
    group by 1, 2, 3

),

page_metrics_by_region as (

    select
        snapshot_date,
        summary_network as network,
        region_code,
        count(*) filter (where is_active) as pages,
        count(*) filter (where not is_active) as pages_unavailable,
        count(*) filter (where is_active and is_connected) as pages_connected,
        count(*) filter (where is_active and is_verified) as pages_badged,
        coalesce(sum(members_count) filter (where is_active), 0)::bigint as subscribers,
        coalesce(sum(members_count) filter (where is_active and is_connected), 0)::bigint
            as subscribers_connected,
        coalesce(sum(posts_7d), 0) as posts_per_week,
        {{ engagement_sums() }}

    from page_days_by_summary_network
    group by 1, 2, 3

),

final as (

    select
        networks_by_date.snapshot_date
        || '/' || regions.region_code
        || '/' || networks_by_date.network as region_summary_id,
        networks_by_date.network,
        regions.region_code,
        regions.region_name,
        regions.federal_district,
        regions.population,
        coalesce(targets.institutions, 0) as institutions,
        coalesce(targets.target_institutions, 0) as target_institutions,
        coalesce(created.created_institutions, 0) as created_institutions,
        coalesce(targets.target_institutions, 0)
        - coalesce(created.created_institutions, 0) as to_create_institutions,
        round(
            {{ safe_divide('coalesce(created.created_institutions, 0) * 100', 'targets.target_institutions') }},
            1
        ) as coverage_percent,
        coalesce(metrics.pages, 0) as pages,
        coalesce(metrics.pages_unavailable, 0) as pages_unavailable,
        coalesce(metrics.pages_connected, 0) as pages_connected,
        coalesce(metrics.pages_badged, 0) as pages_badged,
        coalesce(metrics.subscribers, 0) as subscribers,
        coalesce(metrics.subscribers_connected, 0) as subscribers_connected,
        round(
            {{ safe_divide('coalesce(metrics.subscribers, 0) * 1000', 'regions.population') }},
            2
        ) as subscribers_per_1000,
        coalesce(metrics.posts_per_week, 0)::bigint as posts_per_week,
        {{ engagement_ratios('metrics') }},
        networks_by_date.snapshot_date,
        snapshot_dates.source_processed_at

    from networks_by_date
    inner join snapshot_dates
        on networks_by_date.snapshot_date = snapshot_dates.snapshot_date
    cross join regions
    left join targets_by_region as targets
        on regions.region_code = targets.region_code
    left join created_by_region as created
        on
            networks_by_date.snapshot_date = created.snapshot_date
            and networks_by_date.network = created.network
            and regions.region_code = created.region_code
    left join page_metrics_by_region as metrics
        on
            networks_by_date.snapshot_date = metrics.snapshot_date
            and networks_by_date.network = metrics.network
            and regions.region_code = metrics.region_code

)

select * from final
