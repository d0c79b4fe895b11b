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
        fetch_status = 'ok' as is_active,
        is_verified,
        has_avatar,
        has_cover,
        has_description,
        has_avatar and has_cover and has_description as has_full_design,
        snapshot_date

    from unioned

)

select * from computed
