-- Page-day grain across networks: one row per page per snapshot date (validated loads only),
-- a UNION ALL of stg_<network>__pages over var('networks').
with

unioned as (

    {{ union_network_models('pages', [
        'load_id', 'page_key', 'network', 'network_page_id', 'page_name', 'fetch_status',
        'error_reason', 'members_count', 'is_verified', 'has_avatar', 'has_cover',
        'has_description', 'snapshot_date',
    ]) }}

),

computed as (

    select
        load_id,
        page_key,
        network,
        network_page_id,
        page_name,
        fetch_status,
        error_reason,
        members_count,
        -- a page whose posts could not be read is still a live page with known attributes;
        -- its posts are «нет данных» (are_posts_read false), never «0 публикаций»
        fetch_status in ('ok', 'posts_unread') as is_active,
        fetch_status = 'ok' as are_posts_read,
        is_verified,
        has_avatar,
        has_cover,
        has_description,
        has_avatar and has_cover and has_description as has_full_design,
        snapshot_date

    from unioned

)

select * from computed
