{#
    Why: the daily summaries (national, sector, sector × region, region, municipality) all start
    the same way: the registry institutions, the snapshot dates to re-compute (new or
    re-published in fct_page_daily since the summary's last build), the page-days of those dates
    only, and each date's source_processed_at. One macro writes those CTEs so each summary reads
    as a short select over `institutions`, `page_days` and `snapshot_dates`. A macro and not an
    intermediate model: the dates to process depend on the calling mart's own last build
    ({{ this }} and is_incremental()), which a shared model cannot see. On an incremental build
    the page-days are read by those dates as literals (macro dates_to_process): an index
    condition on fct_page_daily, never a scan of its history.
#}
{% macro summary_page_days() -%}
{%- set dates = dates_to_process(snapshot_dates_to_process(ref('fct_page_daily'))) -%}
institutions as (

    select * from {{ ref('int_institutions_joined_to_municipalities') }}

),

snapshot_dates_to_process as (

    {{ snapshot_dates_to_process(ref('fct_page_daily')) }}

),

page_days as (

    select all_page_days.*
    from {{ ref('fct_page_daily') }} as all_page_days
    inner join snapshot_dates_to_process
        on all_page_days.snapshot_date = snapshot_dates_to_process.snapshot_date
    where {{ date_in_list('all_page_days.snapshot_date', dates) }}

),

snapshot_dates as (

    select
        snapshot_date,
        max(processed_at) as source_processed_at

    from page_days
    group by 1

)
{%- endmacro %}
