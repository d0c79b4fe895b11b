-- Per snapshot date × sector (all networks): coverage of the institutions that must keep a page.
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

sectors as (

    select * from {{ ref('sectors') }}

),

targets_by_sector as (

    select
        sector,
        count(*) as institutions,
        count(*) filter (where not has_exemption) as target_institutions

    from institutions
    group by 1

),

institutions_with_active_pages as (

    select distinct
        snapshot_date,
        institution_id

    from page_days
    where is_active

),

created_by_sector as (

    select
        institutions_with_active_pages.snapshot_date,
        institutions.sector,
        count(*) as created_institutions

    from institutions_with_active_pages
    inner join institutions
        on institutions_with_active_pages.institution_id = institutions.institution_id
    where not institutions.has_exemption
    group by 1, 2

),

page_metrics_by_sector as (

    select
        snapshot_date,
        sector,
        count(*) filter (where is_active) as pages,
        coalesce(sum(members_count) filter (where is_active), 0)::bigint as subscribers,
        coalesce(sum(posts_7d), 0) as posts_per_week,
        {{ engagement_sums() }}

    from page_days
    group by 1, 2

),

final as (

    select
        snapshot_dates.snapshot_date || '/' || sectors.sector as sector_summary_id,
        sectors.sector,
        sectors.label_ru as sector_label,
        sectors.sort_order,
        coalesce(targets_by_sector.institutions, 0) as institutions,
        coalesce(targets_by_sector.target_institutions, 0) as target_institutions,
        coalesce(created_by_sector.created_institutions, 0) as created_institutions,
        coalesce(targets_by_sector.target_institutions, 0)
        - coalesce(created_by_sector.created_institutions, 0) as to_create_institutions,
        round(
            {{ safe_divide(
                'coalesce(created_by_sector.created_institutions, 0) * 100',
                'targets_by_sector.target_institutions',
            ) }},
            1
        ) as coverage_percent,
        coalesce(page_metrics_by_sector.pages, 0) as pages,
        coalesce(page_metrics_by_sector.subscribers, 0) as subscribers,
        coalesce(page_metrics_by_sector.posts_per_week, 0)::bigint as posts_per_week,
        {{ engagement_ratios('page_metrics_by_sector') }},
        snapshot_dates.snapshot_date,
        snapshot_dates.source_processed_at

    from snapshot_dates
    cross join sectors
    left join targets_by_sector
        on sectors.sector = targets_by_sector.sector
    left join created_by_sector
        on
            snapshot_dates.snapshot_date = created_by_sector.snapshot_date
            and sectors.sector = created_by_sector.sector
    left join page_metrics_by_sector
        on
            snapshot_dates.snapshot_date = page_metrics_by_sector.snapshot_date
            and sectors.sector = page_metrics_by_sector.sector

)

select * from final
