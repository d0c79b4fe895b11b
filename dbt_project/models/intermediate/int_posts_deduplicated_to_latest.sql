-- Post grain: the latest observation of each post (its counters as last re-read), for post-level
-- marts (best posts). A post is re-read every day of the window, so counters only grow.
with

posts as (

    select * from {{ ref('int_posts_unioned') }}

),

latest_observation as (

    select distinct on (post_key) *
    from posts
    order by post_key asc, snapshot_date desc, load_id desc

)

select * from latest_observation
