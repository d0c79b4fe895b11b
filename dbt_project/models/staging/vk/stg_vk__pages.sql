-- VK community attributes as observed on the snapshot date, validated loads only.
with

source as (

    select * from {{ source('raw', 'vk_pages') }}
    where {{ only_validated_loads('load_id') }}

),

renamed as (

    select
        ---------- ids
        load_id,
        page_key,
        'vk'::text as network,
        group_id::text as network_page_id,

        ---------- strings
        screen_name,
        name as page_name,
        fetch_status,
        error_reason,
        deactivated as deactivation_reason,
        case is_closed
            when 0 then 'open'
            when 1 then 'closed'
            when 2 then 'private'
        end as access_type,

        ---------- numerics
        members_count,

        ---------- booleans
        coalesce(is_verified, false) as is_verified,
        coalesce(has_avatar, false) as has_avatar,
        coalesce(has_cover, false) as has_cover,
        coalesce(has_description, false) as has_description,

        ---------- dates
        snapshot_date

    from source

)

select * from renamed
