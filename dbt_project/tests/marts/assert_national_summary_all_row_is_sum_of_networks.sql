-- The 'all' row of national_summary adds up the network rows for everything counted per page
-- (pages, subscribers, posts, views, interactions), and its ratios are computed from the sums,
-- not averaged (er_views of 'all' lies between the smallest and largest network er_views).
-- Institutions are not additive across networks (one institution, several pages) and are not
-- checked here. Returns the dates that break it.
with

national_summary as (

    select * from {{ ref('national_summary') }}

),

networks_summed as (

    select
        snapshot_date,
        sum(pages) as pages,
        sum(pages_unavailable) as pages_unavailable,
        sum(pages_connected) as pages_connected,
        sum(pages_badged) as pages_badged,
        sum(subscribers) as subscribers,
        sum(subscribers_connected) as subscribers_connected,
        sum(posts_per_week) as posts_per_week,
        sum(views_per_week) as views_per_week,
        sum(interactions_per_week) as interactions_per_week,
        min(er_views) as min_er_views,
        max(er_views) as max_er_views

    from national_summary
    where network != 'all'
    group by 1

),

all_networks as (

    select * from national_summary
    where network = 'all'

)

select
    all_networks.snapshot_date

from all_networks
inner join networks_summed
    on all_networks.snapshot_date = networks_summed.snapshot_date
where
    all_networks.pages != networks_summed.pages
    or all_networks.pages_unavailable != networks_summed.pages_unavailable
    or all_networks.pages_connected != networks_summed.pages_connected
    or all_networks.pages_badged != networks_summed.pages_badged
    or all_networks.subscribers != networks_summed.subscribers
    or all_networks.subscribers_connected != networks_summed.subscribers_connected
    or all_networks.posts_per_week != networks_summed.posts_per_week
    or all_networks.views_per_week != networks_summed.views_per_week
    or all_networks.interactions_per_week != networks_summed.interactions_per_week
    or all_networks.er_views < networks_summed.min_er_views
    or all_networks.er_views > networks_summed.max_er_views
