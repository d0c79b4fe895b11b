-- Telegram channel attributes as observed on the snapshot date, validated loads only.
-- Same columns as stg_vk__pages; notions Telegram lacks are constants: no «Госорганизация» badge
-- (is_verified false; Telegram's own tick is is_telegram_verified) and no cover (has_cover false).
with

source as (

    select * from {{ source('raw', 'tg_pages') }}
    where {{ only_validated_loads('load_id') }}

),

renamed as (

    select
        ---------- ids
        load_id,
        page_key,
        'tg'::text as network,
        channel_id::text as network_page_id,

        ---------- strings
        username as screen_name,
        title as page_name,
        fetch_status,
        error_reason,
        case when fetch_status = 'deactivated' then restriction_reason end as deactivation_reason,
        case
            when fetch_status = 'private' then 'private'
            when fetch_status in ('ok', 'posts_unread', 'deactivated') then 'open'
        end as access_type,
        account as read_by_account,

        ---------- numerics
        members_count,

        ---------- booleans
        false as is_verified,
        coalesce(is_verified, false) as is_telegram_verified,
        coalesce(has_avatar, false) as has_avatar,
        false as has_cover,
        coalesce(has_description, false) as has_description,

        ---------- dates
        snapshot_date

    from source

)

select * from renamed
