-- Per snapshot date × municipality (every municipality with at least one registry institution).
-- Incremental by snapshot date; institutions are those of the registry when the date was processed.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
    )
}}

with

all_page_days as (

    select * from {{ ref('fct_page_daily') }}

),

institutions as (

    select * from {{ ref('int_institutions_joined_to_municipalities') }}

),

snapshot_dates_to_process as (

    {{ snapshot_dates_to_process(ref('fct_page_daily')) }}

),

page_days as (

    select all_page_days.*
    from all_page_days
    inner join snapshot_dates_to_process
        on all_page_days.snapshot_date = snapshot_dates_to_process.snapshot_date

),

snapshot_dates as (

    select
        snapshot_date,
        max(processed_at) as source_processed_at

    from page_days
    group by 1

),

municipalities_in_registry as (

    select
        municipality_id,
        region_code,
        region_name,
        municipality_name,
        municipality_type,
        municipality_display_name,
        municipality_population as population,
        count(*) as institutions,
        count(*) filter (where not has_exemption) as target_institutions

    from institutions
    where municipality_id is not null
    group by 1, 2, 3, 4, 5, 6, 7

),

page_metrics_by_municipality as (

    select
        snapshot_date,
        municipality_id,
        count(distinct institution_id) filter (where is_active) as institutions_with_pages,
        count(*) filter (where is_active) as pages,
        coalesce(sum(members_count) filter (where is_active), 0) as subscribers,
        coalesce(sum(posts_7d), 0) as posts_per_week

    from page_days
    where municipality_id is not null
    group by 1, 2

),

final as (

    select
        snapshot_dates.snapshot_date || '/' || municipalities.municipality_id
            as municipality_summary_id,
        municipalities.municipality_id,
        municipalities.region_code,
        municipalities.region_name,
        municipalities.municipality_name,
        municipalities.municipality_type,
        municipalities.municipality_display_name,
        municipalities.population,
        municipalities.institutions,
        municipalities.target_institutions,
        coalesce(metrics.institutions_with_pages, 0) as institutions_with_pages,
        coalesce(metrics.pages, 0) as pages,
        coalesce(metrics.subscribers, 0) as subscribers,
        round(
            {{ safe_divide('coalesce(metrics.subscribers, 0) * 1000', 'municipalities.population') }},
            2
        ) as subscribers_per_1000,
        coalesce(metrics.posts_per_week, 0) as posts_per_week,
        snapshot_dates.snapshot_date,
        snapshot_dates.source_processed_at

    from snapshot_dates
    cross join municipalities_in_registry as municipalities
    left join page_metrics_by_municipality as metrics
        on
            snapshot_dates.snapshot_date = metrics.snapshot_date
            and municipalities.municipality_id = metrics.municipality_id

)

select * from final
