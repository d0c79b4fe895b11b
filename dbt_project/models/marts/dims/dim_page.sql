{#
    One row per registry page: its institution, and the page as observed on the latest validated
    snapshot date of its network (fct_page_daily). A page that load did not include (added to the
    registry since) has no observation: is_active false, the observed columns empty. The name is
    the page's latest known name (int_page_names_latest), even when the latest load could not
    read it.
#}
{#- the unique index lets the view page_compliance left-join pages by page_key and PostgreSQL
    drop that join from a query that reads no page column -#}
{{ config(indexes=[{'columns': ['page_key'], 'unique': true}]) }}

with

pages as (

    select * from {{ ref('int_pages_joined_to_institutions') }}

),

{#- each network's latest snapshot date, one index probe per network, queried at compile time and
    written into the SQL as literals (as macro dates_to_process does for the incremental marts):
    a group by over the fact read the whole history — 2.8 M rows and 5 s after 31 national days,
    and growing (issue #10) -#}
{%- set latest_dates = [] %}
{%- if execute and load_relation(ref('fct_page_daily')) %}
    {%- set query %}
        select networks.network, (
            select max(observed.snapshot_date) from {{ ref('fct_page_daily') }} as observed
            where observed.network = networks.network
        )::text
        from unnest(array[{% for network in var('networks') %}'{{ network }}'{{ ", " if not loop.last }}{% endfor %}]) as networks (network)
    {%- endset %}
    {%- for row in run_query(query).rows if row[1] %}{% do latest_dates.append((row[0], row[1])) %}{% endfor %}
{%- endif %}

names as (

    select * from {{ ref('int_page_names_latest') }}

),

page_days as (

    select * from {{ ref('fct_page_daily') }}

),

latest as (

    select page_days.*

    from page_days
    where
        {%- for network, day in latest_dates %}
        (page_days.network = '{{ network }}' and page_days.snapshot_date = '{{ day }}'::date)
        {{- " or" if not loop.last }}
        {%- else %}
        false
        {%- endfor %}

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
        names.page_name,
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
    left join names
        on pages.page_key = names.page_key

)

select * from final
