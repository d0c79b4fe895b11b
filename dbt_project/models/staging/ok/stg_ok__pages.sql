-- OK group attributes as observed on the snapshot date, validated loads only.
with

source as (

    select * from {{ source('raw', 'ok_pages') }}
    where {{ only_validated_loads('load_id') }}

),

renamed as (

    select
        ---------- ids
        load_id,
        page_key,
        'ok'::text as network,
        group_id::text as network_page_id,

        ---------- strings
        screen_name,
        name as page_name,
        fetch_status,
        error_reason,
        case when is_blocked then 'blocked' end as deactivation_reason,
        case
            when fetch_status = 'private' then 'private'
            when access_type = 'CLOSED' then 'closed'
            when access_type = 'OPEN' then 'open'
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
