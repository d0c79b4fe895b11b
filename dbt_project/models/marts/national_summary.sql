-- Per snapshot date: one row per network and one 'all' row (institutions counted once).
-- Incremental by snapshot date (macro summary_page_days); institution counts
-- are those of the registry when the date was processed.
{#- post_hook analyze_if_written: fresh statistics for the dates just written; the marts downstream read them
    by literal dates (macro dates_to_process), which the planner estimates from these statistics -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
        post_hook='{{ analyze_if_written() }}',
        indexes=[
            {'columns': ['snapshot_date']},
            {'columns': ['source_processed_at']},
        ],
    )
}}

with

{{ summary_page_days() }},

registry_totals as (

    select
        count(*) as institutions,
        count(*) filter (where not has_exemption) as institutions_required

    from institutions

),

metrics_by_network as (

    select
        snapshot_date,
        network,
        count(distinct institution_id) filter (where is_active) as institutions_with_pages,
        count(*) filter (where is_active) as pages,
        count(*) filter (where not is_active) as pages_unavailable,
        count(*) filter (where is_active and not are_posts_read) as pages_posts_unread,
        coalesce(sum(members_count) filter (where is_active), 0)::bigint as subscribers,
        coalesce(sum(posts_7d), 0) as posts_per_week,
        count(*) filter (where is_active and is_connected) as pages_connected,
        count(*) filter (where is_active and is_verified) as pages_badged,
        coalesce(sum(members_count) filter (where is_active and is_connected), 0)::bigint
            as subscribers_connected,
        {{ engagement_sums() }},
        max(processed_at) as source_processed_at

    from page_days
    group by 1, 2

),

metrics_all_networks as (

    select
        snapshot_date,
        'all'::text as network,
        count(distinct institution_id) filter (where is_active) as institutions_with_pages,
        count(*) filter (where is_active) as pages,
        count(*) filter (where not is_active) as pages_unavailable,
        count(*) filter (where is_active and not are_posts_read) as pages_posts_unread,
        coalesce(sum(members_count) filter (where is_active), 0)::bigint as subscribers,
        coalesce(sum(posts_7d), 0) as posts_per_week,
        count(*) filter (where is_active and is_connected) as pages_connected,
        count(*) filter (where is_active and is_verified) as pages_badged,
        coalesce(sum(members_count) filter (where is_active and is_connected), 0)::bigint
            as subscribers_connected,
        {{ engagement_sums() }},
        max(processed_at) as source_processed_at

    from page_days
    group by 1

),

unioned as (

    select * from metrics_by_network
    union all
    select * from metrics_all_networks

),

final as (

    select
        unioned.snapshot_date || '/' || unioned.network as national_summary_id,
        unioned.network,
        registry_totals.institutions,
        registry_totals.institutions_required,
        unioned.institutions_with_pages,
        round(
            {{ safe_divide('unioned.institutions_with_pages * 100', 'registry_totals.institutions') }},
            1
        ) as institutions_with_pages_percent,
        unioned.pages::bigint as pages,
        unioned.pages_unavailable::bigint as pages_unavailable,
        unioned.pages_posts_unread::bigint as pages_posts_unread,
        unioned.pages_connected::bigint as pages_connected,
        unioned.pages_badged::bigint as pages_badged,
        unioned.subscribers::bigint as subscribers,
        unioned.subscribers_connected::bigint as subscribers_connected,
        unioned.posts_per_week::bigint as posts_per_week,
        {{ engagement_ratios('unioned') }},
        unioned.snapshot_date,
        unioned.source_processed_at

    from unioned
    cross join registry_totals

)

select * from final
