{#
    «Светофор» of every page on every snapshot date, as stored: what this model alone computes
    (the status, the score, the posting requirements, the last known post); the page's
    identity, flags and names are not copied here but joined by the view page_compliance, which
    is what BI tools and reports read. Why: a page × day row with names, link and the unmet
    requirements spelled out was ≈ 650 bytes, the largest mart of a national day (issue #10).

    Status: green / yellow / red; no_data for a live page whose posts could not be read —
    fetch_status 'posts_unread' — so that «unread» is never scored as «posted nothing». The
    requirements, their weights and the status thresholds are rows of the seed
    compliance_thresholds (methodology as data, after the Amur ЦУР «светофор»: connection,
    badge, design, posting activity).

    Incremental by snapshot date like the summaries. The last known post is carried forward from
    this table's previous rows (within var('last_post_lookback_days')), because a day's load
    holds only the posts of its window: a page silent for 40 days still shows 40.
#}
{#- no unique index on (snapshot_date, page_key): it was 40 of the ≈ 140 bytes a page × day cost
    here (issue #10); the grain follows from fct_page_daily's unique key and is tested on the
    dates each build writes (unique_combination_of_columns). Dates are read through the index
    led by snapshot_date. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['snapshot_date', 'compliance_status']},
            {'columns': ['source_processed_at']},
        ],
    )
}}

{%- set dates = dates_to_process(snapshot_dates_to_process(ref('fct_page_daily'))) %}

with

all_page_days as (

    select * from {{ ref('fct_page_daily') }}

),

thresholds as (

    select * from {{ ref('compliance_thresholds') }}

),

snapshot_dates_to_process as (

    {{ snapshot_dates_to_process(ref('fct_page_daily')) }}

),

page_days as (

    select all_page_days.*
    from all_page_days
    inner join snapshot_dates_to_process
        on all_page_days.snapshot_date = snapshot_dates_to_process.snapshot_date
    where {{ date_in_list('all_page_days.snapshot_date', dates) }}

),

parameters as (

    select
        max(value) filter (where parameter = 'min_posts_7d') as min_posts_7d,
        max(value) filter (where parameter = 'max_days_since_last_post') as max_days_since_last_post,
        max(value) filter (where parameter = 'weight_connected') as weight_connected,
        max(value) filter (where parameter = 'weight_gov_badge') as weight_gov_badge,
        max(value) filter (where parameter = 'weight_avatar') as weight_avatar,
        max(value) filter (where parameter = 'weight_cover') as weight_cover,
        max(value) filter (where parameter = 'weight_description') as weight_description,
        max(value) filter (where parameter = 'weight_posting_frequency') as weight_posting_frequency,
        max(value) filter (where parameter = 'weight_recent_post') as weight_recent_post,
        max(value) filter (where parameter = 'green_min_score') as green_min_score,
        max(value) filter (where parameter = 'yellow_min_score') as yellow_min_score

    from thresholds

),

{% if is_incremental() %}
last_posts_before_batch as (

    select
        page_key,
        max(last_post_at) as last_post_at

    from {{ this }}
    -- the lookback before the earliest date to process, bounded by literals (an index range)
    where
        {%- if dates %}
        snapshot_date < '{{ dates[0] }}'::date
        and snapshot_date >= '{{ dates[0] }}'::date - {{ var('last_post_lookback_days') }}
        {%- else %}
        false
        {%- endif %}
    group by 1

),
{% endif %}

last_posts_in_batch as (

    select
        page_key,
        snapshot_date,
        max(last_post_at) over (
            partition by page_key
            order by snapshot_date
            rows between unbounded preceding and current row
        ) as last_post_at

    from page_days

),

last_known_posts as (

    select
        last_posts_in_batch.page_key,
        last_posts_in_batch.snapshot_date,
        {% if is_incremental() %}
        greatest(last_posts_in_batch.last_post_at, last_posts_before_batch.last_post_at)
        {% else %}
        last_posts_in_batch.last_post_at
        {% endif %} as last_post_at

    from last_posts_in_batch
    {% if is_incremental() %}
    left join last_posts_before_batch
        on last_posts_in_batch.page_key = last_posts_before_batch.page_key
    {% endif %}

),

requirements as (

    select
        page_days.*,
        last_known_posts.last_post_at as last_known_post_at,
        page_days.snapshot_date
        - {{ to_moscow_date('last_known_posts.last_post_at') }} as days_since_last_post,
        page_days.is_active and page_days.is_connected as meets_connected,
        page_days.is_active and page_days.is_verified as meets_gov_badge,
        page_days.is_active and page_days.has_avatar as meets_avatar,
        page_days.is_active and page_days.has_cover as meets_cover,
        page_days.is_active and page_days.has_description as meets_description,
        -- posts not read (posts_unread): the posting requirements are unknown (null), not unmet;
        -- a recent post already known from an earlier day still counts
        page_days.is_active
        and page_days.posts_7d >= parameters.min_posts_7d as meets_posting_frequency,
        case
            when
                page_days.is_active
                and page_days.snapshot_date - {{ to_moscow_date('last_known_posts.last_post_at') }}
                <= parameters.max_days_since_last_post
                then true
            when page_days.is_active and not page_days.are_posts_read then null
            else false
        end as meets_recent_post

    from page_days
    inner join last_known_posts
        on
            page_days.page_key = last_known_posts.page_key
            and page_days.snapshot_date = last_known_posts.snapshot_date
    cross join parameters

),

scored as (

    select
        requirements.*,
        case when requirements.is_active and not requirements.are_posts_read then null else
        (case when requirements.meets_connected then parameters.weight_connected else 0 end
        + case when requirements.meets_gov_badge then parameters.weight_gov_badge else 0 end
        + case when requirements.meets_avatar then parameters.weight_avatar else 0 end
        + case when requirements.meets_cover then parameters.weight_cover else 0 end
        + case when requirements.meets_description then parameters.weight_description else 0 end
        + case
            when requirements.meets_posting_frequency then parameters.weight_posting_frequency
            else 0
        end
        + case
            when requirements.meets_recent_post then parameters.weight_recent_post else 0
        end)::numeric end as compliance_score,
        parameters.green_min_score,
        parameters.yellow_min_score

    from requirements
    cross join parameters

),

final as (

    select
        scored.page_key,
        scored.snapshot_date,
        scored.is_active,
        case
            when not scored.is_active then 'red'
            when not scored.are_posts_read then 'no_data'
            when scored.compliance_score >= scored.green_min_score then 'green'
            when scored.compliance_score >= scored.yellow_min_score then 'yellow'
            else 'red'
        end as compliance_status,
        scored.compliance_score,
        scored.days_since_last_post,
        scored.meets_posting_frequency,
        scored.meets_recent_post,
        scored.last_known_post_at as last_post_at,
        scored.processed_at as source_processed_at

    from scored

)

select * from final
{{ in_date_order_on_full_refresh(['snapshot_date']) }}
