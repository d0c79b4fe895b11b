{#
    Each page's first snapshot date in fct_page_daily, for page_alerts_daily's new_page alert
    (and each network's first date: the earliest of its pages').
    Why a table: «seen before?» asked of fct_page_daily page by page needs an index led by
    page_key there, and such an index costs every day's insert a write to almost every leaf page
    (each page's new entry lands next to its older ones, spread over the whole index): 4.7 s and
    280 MB of WAL for a national day at 90 days of history, growing with it. fct_page_daily is
    indexed by (snapshot_date, page_key) instead, and this table is built from the dates being
    processed only.
    Incremental: a page gets its row the first time it is seen; a date published later that is
    earlier than the recorded one (a backfill) moves it back. A date re-run without a page keeps
    the page's first date until a full refresh. The page's row carries no processed_at of its
    own, so the last build is recorded apart (record_incremental_watermark), like
    page_alerts_daily's.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='page_key',
        post_hook="{{ record_incremental_watermark(ref('fct_page_daily')) }}",
        indexes=[{'columns': ['page_key'], 'unique': true}],
    )
}}

{%- set dates = dates_to_process(snapshot_dates_to_process(ref('fct_page_daily'), recorded=true)) %}

with

page_days as (

    select * from {{ ref('fct_page_daily') }}

),

first_seen_in_batch as (

    select
        page_key,
        network,
        min(snapshot_date) as first_snapshot_date,
        max(processed_at) as source_processed_at

    from page_days
    where {{ date_in_list('snapshot_date', dates) }}
    group by page_key, network

)

select first_seen_in_batch.*
from first_seen_in_batch
{% if is_incremental() %}
left join {{ this }} as recorded
    on first_seen_in_batch.page_key = recorded.page_key
where
    recorded.page_key is null
    or first_seen_in_batch.first_snapshot_date < recorded.first_snapshot_date
{% endif %}
