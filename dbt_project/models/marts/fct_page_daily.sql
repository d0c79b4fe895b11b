{#
    Incremental: a daily build processes only validated loads not yet in the table (new dates,
    and re-run dates whose previous load was superseded); the lookup is an index probe per load,
    so the cost does not grow with history. The replacement unit is a load, i.e. a network's
    snapshot date: delete+insert on (network, snapshot_date) removes every row of the old load,
    including pages that the new load no longer has. The grain stays (page_key, snapshot_date).
#}
{#- post_hook analyze_if_written: fresh statistics for the dates just written; the marts downstream read them
    by literal dates (macro dates_to_process), which the planner estimates from these statistics -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['network', 'snapshot_date'],
        on_schema_change='append_new_columns',
        post_hook='{{ analyze_if_written() }}',
        indexes=[
            {'columns': ['snapshot_date', 'network']},
            {'columns': ['load_id']},
            {'columns': ['processed_at']},
            {'columns': ['snapshot_date', 'page_key'], 'unique': true},
        ],
    )
}}

with

loads as (

    select * from {{ ref('stg_raw__loads') }}

),

page_days as (

    select * from {{ ref('int_page_days_unioned') }}

),

posts as (

    select * from {{ ref('int_posts_unioned') }}

),

pages as (

    select * from {{ ref('int_pages_joined_to_institutions') }}

),

loads_to_process as (

    select
        loads.load_id,
        loads.network,
        loads.snapshot_date

    from loads
    where loads.is_validated
    {% if is_incremental() %}
        and not exists (
            select 1
            from {{ this }} as already_processed
            where already_processed.load_id = loads.load_id
        )
    {% endif %}

),

page_days_to_process as (

    select page_days.*
    from page_days
    inner join loads_to_process
        on page_days.load_id = loads_to_process.load_id

),

post_metrics_by_page_day as (

    select
        posts.network,
        posts.page_key,
        posts.snapshot_date,
        count(*) as posts_7d,
        -- sums over the posts whose counter is known (NULL: not given by the API, unknown)
        -- (sums of bigint are numeric in PostgreSQL: cast back, the contract says bigint)
        coalesce(sum(posts.view_count), 0)::bigint as views_7d,
        sum(posts.like_count)::bigint as likes_7d,
        sum(posts.repost_count)::bigint as reposts_7d,
        sum(posts.comment_count)::bigint as comments_7d,
        coalesce(sum(posts.interaction_count), 0)::bigint as interactions_7d,
        count(posts.view_count) as posts_with_views_7d,
        count(posts.interaction_count) as posts_with_interactions_7d,
        coalesce(sum(posts.interaction_count) filter (where posts.view_count is not null), 0)::bigint
            as interactions_with_views_7d,
        coalesce(sum(posts.view_count) filter (where posts.interaction_count is not null), 0)::bigint
            as views_with_interactions_7d,
        max(posts.posted_at) as last_post_at

    from posts
    -- by load id, so the raw posts are read through their primary key, one load at a time
    inner join loads_to_process
        on posts.load_id = loads_to_process.load_id
    where posts.is_in_window
    group by 1, 2, 3

),

joined as (

    -- grouped by width as the table stores them (see the model's yml: no alignment padding)
    select
        page_days.network,
        page_days.page_key,
        pages.institution_id,
        pages.region_code,
        pages.municipality_id,
        pages.sector,
        pages.level,
        page_days.fetch_status,
        page_days.snapshot_date,
        -- integer: subscribers are capped by the quarantine (GOSPUBLIKI_MAX_MEMBERS fits the
        -- type), posts are counted rows; the sums of post counters stay bigint (no cap)
        page_days.members_count::integer as members_count,
        -- posts and engagement only where the posts were read: NULL («нет данных») otherwise;
        -- a read page without posts has 0; a counter no post of the page gave stays NULL
        {% for column in ['posts_7d', 'posts_with_views_7d', 'posts_with_interactions_7d'] %}
        case
            when page_days.are_posts_read then coalesce(post_metrics_by_page_day.{{ column }}, 0)
        end::integer as {{ column }},
        {% endfor %}
        {% for column in ['views_7d', 'interactions_7d', 'interactions_with_views_7d',
                          'views_with_interactions_7d'] %}
        case
            when page_days.are_posts_read then coalesce(post_metrics_by_page_day.{{ column }}, 0)
        end as {{ column }},
        {% endfor %}
        {% for column in ['likes_7d', 'reposts_7d', 'comments_7d'] %}
        case
            when page_days.are_posts_read and post_metrics_by_page_day.posts_7d is null then 0
            when page_days.are_posts_read then post_metrics_by_page_day.{{ column }}
        end as {{ column }},
        {% endfor %}
        post_metrics_by_page_day.last_post_at,
        page_days.load_id,
        '{{ run_started_at.isoformat() }}'::timestamptz as processed_at,
        page_days.is_active,
        page_days.are_posts_read,
        pages.is_connected,
        page_days.is_verified,
        page_days.has_avatar,
        page_days.has_cover,
        page_days.has_description,
        page_days.has_full_design

    from page_days_to_process as page_days
    inner join pages
        on page_days.page_key = pages.page_key
    left join post_metrics_by_page_day
        on
            page_days.network = post_metrics_by_page_day.network
            and page_days.page_key = post_metrics_by_page_day.page_key
            and page_days.snapshot_date = post_metrics_by_page_day.snapshot_date

)

select * from joined
{{ in_date_order_on_full_refresh(['snapshot_date', 'network']) }}
