-- Per snapshot date × sector × level × federal subject (all networks): the presentation's
-- «цель / создано / создать» table broken down by region and level. One row per combination
-- present in the registry. Incremental by snapshot date; targets are those of the registry when
-- the date was processed. sector_summary is the same figures for the whole country.
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

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

targets_by_group as (

    select
        sector,
        level,
        region_code,
        count(*) as institutions,
        count(*) filter (where not has_exemption) as target_institutions

    from institutions
    group by 1, 2, 3

),

created_by_group as (

    select
        page_days.snapshot_date,
        institutions.sector,
        institutions.level,
        institutions.region_code,
        count(distinct page_days.institution_id) as created_institutions

    from page_days
    inner join institutions
        on page_days.institution_id = institutions.institution_id
    where
        page_days.is_active
        and not institutions.has_exemption
    group by 1, 2, 3, 4

),

page_metrics_by_group as (

    select
        snapshot_date,
        sector,
        level,
        region_code,
        count(*) filter (where is_active) as pages,
        coalesce(sum(members_count) filter (where is_active), 0)::bigint as subscribers,
        coalesce(sum(posts_7d), 0) as posts_per_week,
        {{ engagement_sums() }}

    from page_days
    group by 1, 2, 3, 4

),

final as (

    select
        snapshot_dates.snapshot_date
        || '/' || targets.sector
        || '/' || targets.level
        || '/' || targets.region_code as sector_region_summary_id,
        targets.sector,
        targets.level,
        targets.region_code,
        sectors.label_ru as sector_label,
        sectors.sort_order,
        regions.region_name,
        targets.institutions,
        targets.target_institutions,
        coalesce(created.created_institutions, 0) as created_institutions,
        targets.target_institutions
        - coalesce(created.created_institutions, 0) as to_create_institutions,
        round(
            {{ safe_divide('coalesce(created.created_institutions, 0) * 100', 'targets.target_institutions') }},
            1
        ) as coverage_percent,
        coalesce(metrics.pages, 0) as pages,
        coalesce(metrics.subscribers, 0) as subscribers,
        coalesce(metrics.posts_per_week, 0)::bigint as posts_per_week,
        {{ engagement_ratios('metrics') }},
        snapshot_dates.snapshot_date,
        snapshot_dates.source_processed_at

    from snapshot_dates
    cross join targets_by_group as targets
    left join sectors
        on targets.sector = sectors.sector
    inner join regions
        on targets.region_code = regions.region_code
    left join created_by_group as created
        on
            snapshot_dates.snapshot_date = created.snapshot_date
            and targets.sector = created.sector
            and targets.level = created.level
            and targets.region_code = created.region_code
    left join page_metrics_by_group as metrics
        on
            snapshot_dates.snapshot_date = metrics.snapshot_date
            and targets.sector = metrics.sector
            and targets.level = metrics.level
            and targets.region_code = metrics.region_code

)

select * from final
