{#
    Post grain: one row per post of a registry page, its counters as last observed no later than
    window_days - 1 days after the end of its ISO week (posts are re-read for window_days days,
    so the counters are close to final; the cut-off makes a week's figures independent of when
    the build ran). Basis of engagement_page_weekly and best_posts_weekly. No page name is stored
    (issue #10: ≈ 95 of ≈ 530 bytes a post): it is dim_page's, the page's latest.

    Incremental by the post's ISO week: a build re-computes only the weeks whose posts the newly
    processed loads could re-read (macro weeks_to_process), reading only the loads of those weeks.
#}
{#- post_hook analyze_if_written: fresh statistics for the dates just written; the marts downstream read them
    by literal dates (macro dates_to_process), which the planner estimates from these statistics -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='week_start_date',
        on_schema_change='append_new_columns',
        post_hook='{{ analyze_if_written() }}',
        indexes=[
            {'columns': ['post_key'], 'unique': true},
            {'columns': ['week_start_date']},
            {'columns': ['source_processed_at']},
        ],
    )
}}

{#- the weeks to process and the snapshot dates their posts can be observed on (the day before
    the week … its cut-off), as literals (macro dates_to_process) -#}
{%- set observed_dates = dates_to_process(
    weeks_to_process(ref('fct_page_daily')), day_offsets=range(-1, 6 + var('window_days')) | list
) %}

with

loads as (

    select * from {{ ref('stg_raw__loads') }}

),

posts as (

    select * from {{ ref('int_posts_unioned') }}

),

-- not materialized: read more than once, a CTE would be materialized whole; inlined, each
-- read below keeps its own filter and reaches the fact's indexes
all_page_days as not materialized (

    select * from {{ ref('fct_page_daily') }}

),

weeks_to_process as (

    {{ weeks_to_process(ref('fct_page_daily')) }}

),

-- the loads that can hold an observation of a post of a week to process
loads_in_scope as (

    select distinct loads.load_id
    from loads
    inner join weeks_to_process
        on loads.snapshot_date between weeks_to_process.week_start_date - 1
        and weeks_to_process.week_start_date + 6 + ({{ var('window_days') }} - 1)
    where loads.is_validated

),

observations as (

    select
        posts.*,
        date_trunc('week', posts.posted_date)::date as week_start_date

    from posts
    where posts.load_id in (select loads_in_scope.load_id from loads_in_scope)

),

observations_before_cutoff as (

    select observations.*
    from observations
    inner join weeks_to_process
        on observations.week_start_date = weeks_to_process.week_start_date
    where
        observations.snapshot_date
        <= observations.week_start_date + 6 + ({{ var('window_days') }} - 1)

),

latest_observations as (

    select distinct on (post_key) *
    from observations_before_cutoff
    order by post_key asc, snapshot_date desc, load_id desc

),

joined as (

    select
        latest_observations.post_key,
        latest_observations.network,
        latest_observations.page_key,
        page_days.institution_id,
        page_days.region_code,
        page_days.municipality_id,
        latest_observations.load_id,
        {{ iso_week_id('latest_observations.week_start_date') }} as week_id,
        page_days.sector,
        page_days.level,
        latest_observations.post_url,
        latest_observations.post_text,
        latest_observations.view_count,
        latest_observations.like_count,
        latest_observations.repost_count,
        latest_observations.comment_count,
        latest_observations.interaction_count,
        round(
            {{ safe_divide('latest_observations.interaction_count', 'latest_observations.view_count') }},
            6
        ) as er_views,
        page_days.members_count as page_members_count,
        latest_observations.is_pinned,
        latest_observations.view_count is not null as has_views,
        latest_observations.week_start_date,
        latest_observations.posted_date,
        latest_observations.snapshot_date as observed_on_date,
        latest_observations.posted_at,
        (select max(all_page_days.processed_at) from all_page_days) as source_processed_at

    from latest_observations
    inner join all_page_days as page_days
        on
            latest_observations.page_key = page_days.page_key
            and latest_observations.snapshot_date = page_days.snapshot_date
    where {{ date_in_list('page_days.snapshot_date', observed_dates) }}

)

select * from joined
{{ in_date_order_on_full_refresh(['week_start_date']) }}
