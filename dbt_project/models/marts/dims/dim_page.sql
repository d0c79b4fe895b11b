{#
    One row per registry page: its institution, and the page as observed on the latest validated
    snapshot date of its network (fct_page_daily). A page that load did not include (added to the
    registry since) has no observation: is_active false, the observed columns empty.
#}
{#- the unique index lets the view page_compliance left-join pages by page_key and PostgreSQL
    drop that join from a query that reads no page column -#}
{{ config(indexes=[{'columns': ['page_key'], 'unique': true}]) }}

with

pages as (

    select * from {{ ref('int_pages_joined_to_institutions') }}

),

page_days as (

    select * from {{ ref('fct_page_daily') }}

),

latest_dates as (

    select
        network,
        max(snapshot_date) as snapshot_date

    from page_days
    group by 1

),

latest as (

    select page_days.*

    from page_days
    inner join latest_dates
        on
            page_days.network = latest_dates.network
            and page_days.snapshot_date = latest_dates.snapshot_date

),

final as (

    select
        pages.page_key,
        pages.network,
        pages.institution_id,
        pages.region_code,
        pages.municipality_id,
        pages.page_ref,
        pages.page_url,
        latest.page_name,
        pages.institution_name,
        pages.sector,
        pages.level,
        pages.is_connected,
        coalesce(latest.is_active, false) as is_active,
        latest.fetch_status,
        latest.is_verified,
        latest.has_full_design,
        latest.members_count,
        latest.are_posts_read,
        latest.posts_7d,
        latest.last_post_at,
        latest.snapshot_date as observed_on_date

    from pages
    left join latest
        on pages.page_key = latest.page_key

)

select * from final
