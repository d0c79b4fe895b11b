{#
    «Светофор» of every page on every snapshot date, as BI tools and reports read it: the stored
    status (fct_page_compliance) with the page-day it was computed from (fct_page_daily) and the
    page's link and institution from the registry (dim_page, current names), plus the status in
    Russian and the unmet requirements spelled out.

    A view, so that a page × day costs the warehouse only the narrow fct_page_compliance row
    (issue #10: storage per national day). Both joins are LEFT joins on a unique key
    (fct_page_daily's and dim_page's unique indexes), so PostgreSQL drops whichever join a query
    does not need: `select max(snapshot_date) from marts.page_compliance` reads only
    fct_page_compliance's index, and a query by date reads that date's rows by index.
#}
{{ config(materialized='view') }}

with

compliance as (

    select * from {{ ref('fct_page_compliance') }}

),

page_days as (

    select * from {{ ref('fct_page_daily') }}

),

pages as (

    select * from {{ ref('dim_page') }}

),

final as (

    select
        compliance.page_key || '/' || compliance.snapshot_date as page_compliance_id,
        page_days.network,
        compliance.page_key,
        page_days.institution_id,
        page_days.region_code,
        page_days.municipality_id,
        pages.page_name,
        pages.page_url,
        pages.institution_name,
        page_days.sector,
        page_days.level,
        page_days.fetch_status,
        compliance.compliance_status,
        case compliance.compliance_status
            when 'green' then 'зелёный'
            when 'yellow' then 'жёлтый'
            when 'no_data' then 'нет данных'
            else 'красный'
        end as compliance_status_label,
        nullif(concat_ws(
            ', ',
            case
                when not page_days.is_active
                    then 'страница недоступна (' || page_days.fetch_status || ')'
            end,
            case
                when page_days.is_active and not page_days.are_posts_read
                    then 'публикации не прочитаны — нет данных'
            end,
            case
                when page_days.is_active and not page_days.is_connected
                    then 'не подключена к «Госпабликам»'
            end,
            case
                when page_days.is_active and not page_days.is_verified
                    then 'нет отметки «Госорганизация»'
            end,
            case
                when page_days.is_active and not page_days.has_avatar
                    then 'нет аватара'
            end,
            case
                when page_days.is_active and not page_days.has_cover
                    then 'нет обложки'
            end,
            case
                when page_days.is_active and not page_days.has_description
                    then 'нет описания'
            end,
            case
                when page_days.is_active and not compliance.meets_posting_frequency
                    then 'мало публикаций за 7 дней'
            end,
            case
                when page_days.is_active and not compliance.meets_recent_post
                    then 'давно не было публикаций'
            end
        ), '') as unmet_requirements,
        page_days.members_count,
        page_days.posts_7d,
        compliance.days_since_last_post,
        compliance.compliance_score,
        compliance.is_active,
        page_days.is_connected,
        page_days.is_verified as has_gov_badge,
        page_days.has_avatar,
        page_days.has_cover,
        page_days.has_description,
        compliance.meets_posting_frequency,
        compliance.meets_recent_post,
        compliance.snapshot_date,
        compliance.last_post_at,
        compliance.source_processed_at

    from compliance
    left join page_days
        on
            compliance.page_key = page_days.page_key
            and compliance.snapshot_date = page_days.snapshot_date
    left join pages
        on compliance.page_key = pages.page_key

)

select * from final
