-- What a ЦУР wants to hear each morning: one row per page × alert kind × snapshot date.
--   silent            the page's posts were read and it has not posted for silent_days days
--                     (fires on the day the silence starts counting as such, not every day after);
--   badge_lost        the «Госорганизация» badge (is_verified) was there the day before and is gone;
--   subscribers_drop  subscribers fell by more than subscribers_drop_percent since the day before
--                     (pages with at least subscribers_drop_min_members the day before);
--   page_closed       a page live the day before is deleted/blocked (deactivated), private or not found;
--   new_page          a live registry page seen for the first time, in a network collected before
--                     (the first collected day of a network announces nothing).
-- Thresholds are data: seeds/alert_thresholds.csv. "The day before" is the previous snapshot date
-- in fct_page_daily (validated loads only); a network without a validated load that day compares
-- with nothing, so day-over-day kinds do not fire for it.
-- Incremental by snapshot date, like the summaries: only the dates whose page-days were
-- (re)processed since the last build, and the day after each (it compares with a changed day).
-- A quiet date writes no row, so the last build is recorded apart (macro
-- record_incremental_watermark), not read from the rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
        on_schema_change='append_new_columns',
        post_hook="{{ record_incremental_watermark(ref('fct_page_daily')) }}",
        indexes=[
            {'columns': ['snapshot_date', 'alert_kind']},
            {'columns': ['source_processed_at']},
        ],
    )
}}

{#- the page-days read: the dates to process and the day after each (today), and the day before
    each of those (yesterday), as literals (macro dates_to_process) -#}
{%- set changed = snapshot_dates_to_process(ref('fct_page_daily'), recorded=true) %}
{%- set today_dates = dates_to_process(changed, day_offsets=[0, 1]) %}
{%- set yesterday_dates = dates_to_process(changed, day_offsets=[-1, 0]) %}

with

-- not materialized: read more than once, a CTE would be materialized whole; inlined, each
-- read below keeps its own filter and reaches the fact's indexes
all_page_days as not materialized (

    select * from {{ ref('fct_page_daily') }}

),

pages as (

    select * from {{ ref('int_pages_joined_to_institutions') }}

),

names as (

    select * from {{ ref('int_page_names_latest') }}

),

-- each page's first snapshot date (not asked of fct_page_daily page by page: it has no index
-- led by page_key, see int_page_first_seen)
page_first_dates as (

    select * from {{ ref('int_page_first_seen') }}

),

thresholds as (

    select
        max(value) filter (where parameter = 'silent_days')::integer as silent_days,
        max(value) filter (where parameter = 'subscribers_drop_percent') as subscribers_drop_percent,
        max(value) filter (where parameter = 'subscribers_drop_min_members') as subscribers_drop_min_members

    from {{ ref('alert_thresholds') }}

),

changed_dates as (

    {{ snapshot_dates_to_process(ref('fct_page_daily'), recorded=true) }}

),

dates_to_process as (

    select snapshot_date from changed_dates
    union
    select (snapshot_date + 1)::date from changed_dates

),

-- only what the comparisons need: a year's full refresh joins and keeps every page-day of it,
-- and whole page-days (≈ 350 bytes each) spilled tens of GB to disk; the alerts' descriptive
-- columns are read in final, for the alerts only
page_day_states as not materialized (

    select
        page_key,
        network,
        snapshot_date,
        fetch_status,
        members_count,
        is_active,
        is_verified,
        are_posts_read,
        last_post_at,
        processed_at

    from all_page_days

),

today as (

    select page_day_states.*
    from page_day_states
    inner join dates_to_process
        on page_day_states.snapshot_date = dates_to_process.snapshot_date
    where {{ date_in_list('page_day_states.snapshot_date', today_dates) }}

),

yesterday as (

    select page_day_states.*
    from page_day_states
    inner join dates_to_process
        on page_day_states.snapshot_date = dates_to_process.snapshot_date - 1
    where {{ date_in_list('page_day_states.snapshot_date', yesterday_dates) }}

),

-- each network's first snapshot date: the earliest first date of its pages (int_page_first_seen,
-- one row per page), not a walk of fct_page_daily's history
network_first_dates as (

    select
        network,
        min(first_snapshot_date) as first_snapshot_date

    from page_first_dates
    group by network

),

compared as (

    select
        today.*,
        yesterday.page_key is not null as was_seen_the_day_before,
        yesterday.fetch_status as previous_fetch_status,
        yesterday.members_count as previous_members_count,
        coalesce(yesterday.is_active, false) as was_active,
        coalesce(yesterday.is_verified, false) as was_verified,
        today.snapshot_date - {{ to_moscow_date('today.last_post_at') }} as days_since_last_post,
        -- silent: posts read, none in the last silent_days days (NULL last post: none in the window)
        today.are_posts_read
            and (
                today.last_post_at is null
                or today.snapshot_date - {{ to_moscow_date('today.last_post_at') }} >= thresholds.silent_days
            ) as is_silent,
        coalesce(
            yesterday.are_posts_read
            and (
                yesterday.last_post_at is null
                or yesterday.snapshot_date - {{ to_moscow_date('yesterday.last_post_at') }} >= thresholds.silent_days
            ),
            false
        ) as was_silent,
        page_first_dates.first_snapshot_date = today.snapshot_date as is_first_seen,
        today.snapshot_date > network_first_dates.first_snapshot_date as network_seen_before,
        thresholds.silent_days,
        thresholds.subscribers_drop_percent,
        thresholds.subscribers_drop_min_members

    from today
    cross join thresholds
    inner join network_first_dates
        on today.network = network_first_dates.network
    left join page_first_dates
        on today.page_key = page_first_dates.page_key
    left join yesterday
        on
            today.page_key = yesterday.page_key
            and yesterday.snapshot_date = today.snapshot_date - 1

),

alerts as (

    select
        compared.*,
        'silent' as alert_kind,
        case
            when days_since_last_post is null
                then 'Нет публикаций за ' || {{ var('window_days') }} || ' дн. и дольше'
            else 'Нет публикаций ' || days_since_last_post || ' дн.'
        end as detail_ru
    from compared
    where is_silent and not was_silent

    union all

    select
        compared.*,
        'badge_lost' as alert_kind,
        'Пропала отметка «Госорганизация»' as detail_ru
    from compared
    where is_active and was_active and was_verified and not is_verified

    union all

    select
        compared.*,
        'subscribers_drop' as alert_kind,
        'Подписчиков: ' || previous_members_count || ' → ' || members_count
        || ' (−' || round(100.0 * (previous_members_count - members_count) / previous_members_count, 1) || ' %)'
            as detail_ru
    from compared
    where
        is_active and was_active
        and previous_members_count >= subscribers_drop_min_members
        and 100.0 * (previous_members_count - members_count) / previous_members_count > subscribers_drop_percent

    union all

    select
        compared.*,
        'page_closed' as alert_kind,
        case fetch_status
            when 'deactivated' then 'Страница удалена или заблокирована'
            when 'private' then 'Страница стала закрытой'
            else 'Страница не найдена'
        end as detail_ru
    from compared
    where was_active and fetch_status in ('deactivated', 'private', 'not_found')

    union all

    select
        compared.*,
        'new_page' as alert_kind,
        'Новая страница учреждения из реестра' as detail_ru
    from compared
    where is_active and is_first_seen and network_seen_before

),

final as (

    select
        alerts.page_key || '/' || alerts.snapshot_date || '/' || alerts.alert_kind as page_alert_id,
        alerts.snapshot_date,
        alerts.alert_kind,
        alerts.network,
        alerts.page_key,
        names.page_name,
        pages.page_url,
        page_day.institution_id,
        pages.institution_name,
        page_day.region_code,
        pages.region_name,
        page_day.municipality_id,
        page_day.sector,
        alerts.fetch_status,
        alerts.previous_fetch_status,
        alerts.members_count,
        alerts.previous_members_count,
        case
            when alerts.previous_members_count > 0 and alerts.members_count is not null
                then round(100.0 * (alerts.members_count - alerts.previous_members_count)
                    / alerts.previous_members_count, 1)
        end as members_change_percent,
        alerts.last_post_at,
        alerts.days_since_last_post,
        alerts.detail_ru,
        alerts.processed_at as source_processed_at,
        '{{ run_started_at.isoformat() }}'::timestamptz as processed_at

    from alerts
    inner join all_page_days as page_day
        on
            alerts.page_key = page_day.page_key
            and alerts.snapshot_date = page_day.snapshot_date
    left join pages
        on alerts.page_key = pages.page_key
    left join names
        on alerts.page_key = names.page_key
    where {{ date_in_list('page_day.snapshot_date', today_dates) }}

)

select * from final
