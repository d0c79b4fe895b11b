{#
    The latest name of each page: the name its newest validated load gave (a load that could not
    read the page, or found it deleted, gives none and keeps the previous one). The marts show a
    page under this name (dim_page, page_compliance, and the name copied into the weekly marts
    and alerts when they are built). Why a table of its own: the name was a column of fct_page_daily, ≈ 100 of the
    ≈ 420 bytes a page × day row took (issue #10: storage per national day), while a page's name
    seldom changes; and it outlives the raw rows it was read from (GOSPUBLIKI_RAW_RETENTION_DAYS).

    Incremental: a build reads only the loads not seen yet of their network's latest date seen or
    later — a backfill of an older date cannot change a latest name, a re-run of the latest date
    can — and replaces the rows of the pages they name.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='page_key',
        indexes=[
            {'columns': ['page_key'], 'unique': true},
            {'columns': ['network', 'seen_on']},
            {'columns': ['load_id']},
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

loads_to_read as (

    select loads.load_id
    from loads
    where loads.is_validated
    {% if is_incremental() %}
        and loads.snapshot_date >= (
            select coalesce(max(seen.seen_on), '-infinity'::date)
            from {{ this }} as seen
            where seen.network = loads.network
        )
        and not exists (
            select 1
            from {{ this }} as seen
            where seen.load_id = loads.load_id
        )
    {% endif %}

),

named as (

    select distinct on (page_days.page_key)
        page_days.page_key,
        page_days.network,
        page_days.page_name,
        page_days.snapshot_date as seen_on,
        page_days.load_id

    from page_days
    inner join loads_to_read
        on page_days.load_id = loads_to_read.load_id
    -- a page the load could not read has no name, or a placeholder (VK: «DELETED»): not a name
    where page_days.is_active and page_days.page_name is not null
    order by page_days.page_key, page_days.snapshot_date desc, page_days.load_id desc

)

select * from named
