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

-- the columns the summaries use, not whole page-days (≈ 350 bytes, half of it names and keys no
-- summary reads); not materialized: on a full refresh of a year, a CTE read more than once was
-- written to temporary files whole (32 M rows) next to the summaries' own sorts, and ran out of disk
page_days as not materialized (

    select
        all_page_days.snapshot_date,
        all_page_days.network,
        all_page_days.institution_id,
        all_page_days.region_code,
        all_page_days.municipality_id,
        all_page_days.sector,
        all_page_days.level,
        all_page_days.fetch_status,
        all_page_days.is_active,
        all_page_days.are_posts_read,
        all_page_days.is_connected,
        all_page_days.is_verified,
        all_page_days.members_count,
        {%- for column in ['posts_7d', 'views_7d', 'interactions_7d', 'posts_with_views_7d',
                           'posts_with_interactions_7d', 'interactions_with_views_7d', 'views_with_interactions_7d'] %}
        all_page_days.{{ column }},
        {%- endfor %}
        all_page_days.processed_at

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
