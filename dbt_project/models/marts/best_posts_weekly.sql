{#
    The «Госпаблики – Лучшее» digest source: per ISO week × sector × federal subject, the top
    var('best_posts_top_n') posts by views and, separately, by er_views (interactions / views,
    only posts with at least var('best_posts_min_views') views, so that 3 likes on 5 views do not
    win). Ties are broken by the other measure, then by the post key, so places are 1..N without
    gaps. The national top N of a week is the top N of the union of these rows; rank_in_region is
    the region's top N over all sectors (empty beyond N). days_covered / is_partial_week: how many
    days of the week the loads of every collected network read (int_days_covered).
    Incremental by week like fct_post.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='week_start_date',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['week_start_date', 'ranking', 'rank']},
            {'columns': ['source_processed_at']},
        ],
    )
}}

{#- the weeks to process, as literals (macro dates_to_process) -#}
{%- set weeks = dates_to_process(weeks_to_process(ref('fct_page_daily'))) %}

with

all_posts as (

    select * from {{ ref('fct_post') }}

),

all_page_days as (

    select * from {{ ref('fct_page_daily') }}

),

pages as (

    select * from {{ ref('int_pages_joined_to_institutions') }}

),

names as (

    select * from {{ ref('int_page_names_latest') }}

),

sectors as (

    select * from {{ ref('sectors') }}

),

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

weeks_to_process as (

    {{ weeks_to_process(ref('fct_page_daily')) }}

),

-- days of the week whose posts every collected network read (of 7): a partial week is flagged
weeks_covered as (

    select
        week_start_date,
        count(*) as days_covered

    from {{ ref('int_days_covered') }}
    where network = 'all'
    group by 1

),

posts as (

    select all_posts.*
    from all_posts
    inner join weeks_to_process
        on all_posts.week_start_date = weeks_to_process.week_start_date
    where {{ date_in_list('all_posts.week_start_date', weeks) }}

),

ranked_by_views as (

    select
        posts.*,
        trim(regexp_replace(posts.post_text, '\s+', ' ', 'g')) as post_text_single_line,
        'views'::text as ranking,
        row_number() over (
            partition by posts.week_start_date, posts.sector, posts.region_code
            order by posts.view_count desc, posts.interaction_count desc, posts.post_key asc
        ) as rank

    from posts
    where posts.view_count is not null

),

ranked_by_er_views as (

    select
        posts.*,
        trim(regexp_replace(posts.post_text, '\s+', ' ', 'g')) as post_text_single_line,
        'er_views'::text as ranking,
        row_number() over (
            partition by posts.week_start_date, posts.sector, posts.region_code
            order by
                posts.interaction_count::numeric / posts.view_count desc,
                posts.view_count desc,
                posts.post_key asc
        ) as rank

    from posts
    where posts.view_count >= {{ var('best_posts_min_views') }}

),

top_posts as (

    select * from ranked_by_views
    where rank <= {{ var('best_posts_top_n') }}

    union all

    select * from ranked_by_er_views
    where rank <= {{ var('best_posts_top_n') }}

),

final as (

    select
        top_posts.week_id
        || '/' || top_posts.sector
        || '/' || top_posts.region_code
        || '/' || top_posts.ranking
        || '/' || top_posts.rank as best_post_id,
        top_posts.post_key,
        top_posts.network,
        top_posts.page_key,
        top_posts.institution_id,
        top_posts.region_code,
        top_posts.municipality_id,
        top_posts.week_id,
        top_posts.sector,
        sectors.label_ru as sector_label,
        regions.region_name,
        top_posts.ranking,
        pages.institution_name,
        names.page_name,
        top_posts.post_url,
        case
            when length(top_posts.post_text_single_line) > 280
                then left(top_posts.post_text_single_line, 279) || '…'
            else top_posts.post_text_single_line
        end as post_text_preview,
        top_posts.rank::integer as rank,
        -- the place among the region's posts of all sectors (its top N is within the sectors' tops)
        nullif(least(row_number() over (
            partition by top_posts.week_start_date, top_posts.region_code, top_posts.ranking
            order by
                case
                    when top_posts.ranking = 'views' then top_posts.view_count::numeric
                    else top_posts.interaction_count::numeric / top_posts.view_count
                end desc,
                case
                    when top_posts.ranking = 'views' then top_posts.interaction_count::numeric
                    else top_posts.view_count::numeric
                end desc,
                top_posts.post_key asc
        ), {{ var('best_posts_top_n') }} + 1), {{ var('best_posts_top_n') }} + 1)::integer as rank_in_region,
        top_posts.view_count,
        top_posts.like_count,
        top_posts.repost_count,
        top_posts.comment_count,
        top_posts.interaction_count,
        top_posts.er_views,
        top_posts.week_start_date,
        top_posts.posted_date,
        top_posts.observed_on_date,
        top_posts.posted_at,
        (select max(all_page_days.processed_at) from all_page_days) as source_processed_at,
        coalesce(weeks_covered.days_covered, 0)::integer as days_covered,
        coalesce(weeks_covered.days_covered, 0) < 7 as is_partial_week

    from top_posts
    left join sectors
        on top_posts.sector = sectors.sector
    left join regions
        on top_posts.region_code = regions.region_code
    left join pages
        on top_posts.page_key = pages.page_key
    left join names
        on top_posts.page_key = names.page_key
    left join weeks_covered
        on top_posts.week_start_date = weeks_covered.week_start_date

)

select * from final
