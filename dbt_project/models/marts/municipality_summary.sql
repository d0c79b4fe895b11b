-- Per snapshot date × municipality (every municipality with at least one registry institution).
-- Incremental by snapshot date; institutions are those of the registry when the date was processed.
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

created_by_municipality as (

    select
        page_days.snapshot_date,
        institutions.municipality_id,
        count(distinct page_days.institution_id) as created_institutions

    from page_days
    inner join institutions
        on page_days.institution_id = institutions.institution_id
    where
        page_days.is_active
        and not institutions.has_exemption
        and institutions.municipality_id is not null
    group by 1, 2

),

page_metrics_by_municipality as (

    select
        snapshot_date,
        municipality_id,
        count(distinct institution_id) filter (where is_active) as institutions_with_pages,
        count(*) filter (where is_active) as pages,
        coalesce(sum(members_count) filter (where is_active), 0)::bigint as subscribers,
        coalesce(sum(posts_7d), 0) as posts_per_week,
        {{ engagement_sums() }}

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
        coalesce(created.created_institutions, 0) as created_institutions,
        municipalities.target_institutions
        - coalesce(created.created_institutions, 0) as to_create_institutions,
        round(
            {{ safe_divide(
                'coalesce(created.created_institutions, 0) * 100',
                'municipalities.target_institutions',
            ) }},
            1
        ) as coverage_percent,
        coalesce(metrics.pages, 0) as pages,
        coalesce(metrics.subscribers, 0) as subscribers,
        round(
            {{ safe_divide('coalesce(metrics.subscribers, 0) * 1000', 'municipalities.population') }},
            2
        ) as subscribers_per_1000,
        coalesce(metrics.posts_per_week, 0)::bigint as posts_per_week,
        {{ engagement_ratios('metrics') }},
        snapshot_dates.snapshot_date,
        snapshot_dates.source_processed_at

    from snapshot_dates
    cross join municipalities_in_registry as municipalities
    left join page_metrics_by_municipality as metrics
        on
            snapshot_dates.snapshot_date = metrics.snapshot_date
            and municipalities.municipality_id = metrics.municipality_id
    left join created_by_municipality as created
        on
            snapshot_dates.snapshot_date = created.snapshot_date
            and municipalities.municipality_id = created.municipality_id

)

select * from final
