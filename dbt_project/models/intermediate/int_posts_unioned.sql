-- Post grain across networks: one row per post per snapshot (as re-read by that day's load),
-- with its counters as observed that day, a UNION ALL of stg_<network>__posts over var('networks').
-- No window functions here, so filters on load_id / snapshot_date reach the raw tables' indexes.
with

unioned as (

    {{ union_network_models('posts', [
        'load_id', 'post_key', 'page_key', 'network', 'post_url', 'post_text', 'view_count',
        'like_count', 'repost_count', 'comment_count', 'is_pinned', 'snapshot_date', 'posted_at',
    ]) }}

),

computed as (

    select
        load_id,
        post_key,
        page_key,
        network,
        post_url,
        post_text,
        view_count,
        like_count,
        repost_count,
        comment_count,
        like_count + repost_count + comment_count as interaction_count,
        is_pinned,
        {{ to_moscow_date('posted_at') }}
            between snapshot_date - ({{ var('window_days') }} - 1) and snapshot_date
            as is_in_window,
        snapshot_date,
        {{ to_moscow_date('posted_at') }} as posted_date,
        posted_at

    from unioned

)

select * from computed
