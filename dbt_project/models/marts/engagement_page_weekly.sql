{#
    Engagement per page and ISO week, with every ratio stored as numerator and denominator so
    that any grouping (sector, region, municipality, network) is computed as
    sum(numerator) / sum(denominator), never as an average of page ratios:

      er_views       = interactions of posts with known views and interactions / views of those posts
      er_subscribers = interactions / (posts with known interactions × subscribers) — per post, per subscriber
      err            = views / (posts with known views × subscribers)  — average views per post / subscribers

    Posts: published in the week (Moscow dates), counters from fct_post; a counter the API did not
    give is unknown, left out of both sides of a ratio; a page whose posts no day of the week could
    read (posts_unread) has null post figures («нет данных»), not 0. Subscribers: the page's
    members on its last active snapshot date of the week (0 if it was never active that week).
    days_covered / is_partial_week: how many days of the week the network's loads read (of 7).
    Incremental by week like fct_post.
    A row is (page_key, week_start_date) — the unique index; no id column and no page name are
    stored (issue #10: 124 of ≈ 390 bytes a page-week): the name is dim_page's, the page's latest.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='week_start_date',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['week_start_date', 'page_key'], 'unique': true},
            {'columns': ['week_start_date']},
            {'columns': ['source_processed_at']},
        ],
    )
}}

{#- the weeks to process and their days, as literals (macro dates_to_process) -#}
{%- set weeks = dates_to_process(weeks_to_process(ref('fct_page_daily'))) %}
{%- set week_days = dates_to_process(weeks_to_process(ref('fct_page_daily')), day_offsets=range(7) | list) %}

with

-- not materialized: read more than once, a CTE would be materialized whole; inlined, each
-- read below keeps its own filter and reaches the fact's indexes
all_page_days as not materialized (

    select * from {{ ref('fct_page_daily') }}

),

all_posts as (

    select * from {{ ref('fct_post') }}

),

weeks_to_process as (

    {{ weeks_to_process(ref('fct_page_daily')) }}

),

-- days of the week whose posts the page's network read (of 7): a partial week is flagged
weeks_covered as (

    select
        network,
        week_start_date,
        count(*) as days_covered

    from {{ ref('int_days_covered') }}
    group by 1, 2

),

-- only what the week's figures need: a year's full refresh sorts and groups these rows, and
-- whole page-days (≈ 350 bytes each) spilled tens of GB to disk
page_days as (

    select
        all_page_days.page_key,
        weeks_to_process.week_start_date,
        all_page_days.snapshot_date,
        all_page_days.is_active,
        all_page_days.are_posts_read

    from all_page_days
    inner join weeks_to_process
        on all_page_days.snapshot_date between weeks_to_process.week_start_date
        and weeks_to_process.week_start_date + 6
    where {{ date_in_list('all_page_days.snapshot_date', week_days) }}

),

-- per page and week: the day it is measured on (its last active day, or its last day if never
-- active) and whether any day of the week read its posts (if none did: «нет данных»)
page_week_days as (

    select
        page_key,
        week_start_date,
        coalesce(max(snapshot_date) filter (where is_active), max(snapshot_date)) as measured_on_date,
        bool_or(coalesce(are_posts_read, false)) as are_posts_read

    from page_days
    group by 1, 2

),

-- the page as measured on that day (one page-day each: the fact's unique key)
page_weeks as (

    select
        page_week_days.page_key,
        page_week_days.week_start_date,
        measured_day.network,
        measured_day.institution_id,
        measured_day.region_code,
        measured_day.municipality_id,
        measured_day.sector,
        measured_day.level,
        case when measured_day.is_active then coalesce(measured_day.members_count, 0) else 0 end as subscribers,
        measured_day.is_active,
        page_week_days.measured_on_date,
        page_week_days.are_posts_read

    from page_week_days
    inner join all_page_days as measured_day
        on
            page_week_days.page_key = measured_day.page_key
            and page_week_days.measured_on_date = measured_day.snapshot_date
    where {{ date_in_list('measured_day.snapshot_date', week_days) }}

),

post_metrics_by_page_week as (

    select
        all_posts.page_key,
        all_posts.week_start_date,
        count(*) as post_count,
        count(all_posts.view_count) as posts_with_views,
        count(all_posts.interaction_count) as posts_with_interactions,
        -- sums over the posts whose counter is known (NULL: not given by the API, unknown)
        coalesce(sum(all_posts.view_count), 0) as view_count,
        coalesce(sum(all_posts.like_count), 0) as like_count,
        coalesce(sum(all_posts.repost_count), 0) as repost_count,
        coalesce(sum(all_posts.comment_count), 0) as comment_count,
        coalesce(sum(all_posts.interaction_count), 0) as interaction_count,
        coalesce(sum(all_posts.interaction_count) filter (where all_posts.has_views), 0)
            as interactions_with_views,
        coalesce(sum(all_posts.view_count) filter (where all_posts.interaction_count is not null), 0)
            as views_with_interactions

    from all_posts
    inner join weeks_to_process
        on all_posts.week_start_date = weeks_to_process.week_start_date
    where {{ date_in_list('all_posts.week_start_date', weeks) }}
    group by 1, 2

),

measured as (

    select
        page_weeks.*,
        -- a week in which the page's posts were never read: «нет данных» (null), not 0
        {% for column in ['post_count', 'posts_with_views', 'posts_with_interactions', 'view_count',
                          'like_count', 'repost_count', 'comment_count', 'interaction_count',
                          'interactions_with_views', 'views_with_interactions'] %}
        case
            when page_weeks.are_posts_read or post_metrics.post_count > 0
                then coalesce(post_metrics.{{ column }}, 0)::bigint
        end as {{ column }}{{ "," if not loop.last }}
        {% endfor %}

    from page_weeks
    left join post_metrics_by_page_week as post_metrics
        on
            page_weeks.page_key = post_metrics.page_key
            and page_weeks.week_start_date = post_metrics.week_start_date

),

final as (

    select
        measured.network,
        measured.page_key,
        measured.institution_id,
        measured.region_code,
        measured.municipality_id,
        {{ iso_week_id('measured.week_start_date') }} as week_id,
        measured.sector,
        measured.level,
        measured.subscribers::bigint as subscribers,
        measured.post_count,
        measured.posts_with_views,
        measured.view_count,
        measured.like_count,
        measured.repost_count,
        measured.comment_count,
        measured.interaction_count,
        measured.interactions_with_views as er_views_numerator,
        measured.views_with_interactions as er_views_denominator,
        round({{ safe_divide('measured.interactions_with_views', 'measured.views_with_interactions') }}, 6)
            as er_views,
        measured.interaction_count as er_subscribers_numerator,
        measured.posts_with_interactions * measured.subscribers as er_subscribers_denominator,
        round(
            {{ safe_divide('measured.interaction_count', 'measured.posts_with_interactions * measured.subscribers') }},
            6
        ) as er_subscribers,
        measured.view_count as err_numerator,
        measured.posts_with_views * measured.subscribers as err_denominator,
        round(
            {{ safe_divide('measured.view_count', 'measured.posts_with_views * measured.subscribers') }},
            6
        ) as err,
        measured.is_active,
        measured.are_posts_read,
        measured.week_start_date,
        measured.week_start_date + 6 as week_end_date,
        measured.measured_on_date,
        (select max(all_page_days.processed_at) from all_page_days) as source_processed_at,
        coalesce(weeks_covered.days_covered, 0)::integer as days_covered,
        coalesce(weeks_covered.days_covered, 0) < 7 as is_partial_week

    from measured
    left join weeks_covered
        on
            measured.network = weeks_covered.network
            and measured.week_start_date = weeks_covered.week_start_date

)

select * from final
{{ in_date_order_on_full_refresh(['week_start_date']) }}
