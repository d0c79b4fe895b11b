-- Telegram channel posts re-read on the snapshot date (one row per post per load), validated
-- loads only; an album is one post. Same columns as stg_vk__posts: reactions -> like_count,
-- forwards -> repost_count, replies -> comment_count.
with

source as (

    select * from {{ source('raw', 'tg_posts') }}
    where {{ only_validated_loads('load_id') }}

),

renamed as (

    select
        ---------- ids
        load_id,
        'tg:' || channel_id || '_' || post_id as post_key,
        page_key,
        'tg'::text as network,
        channel_id::text as network_page_id,
        post_id::text as network_post_id,
        grouped_id::text as album_id,

        ---------- strings
        text as post_text,
        'https://t.me/' || split_part(page_key, ':', 2) || '/' || post_id as post_url,

        ---------- numerics
        views as view_count,
        likes as like_count,
        reposts as repost_count,
        comments as comment_count,
        message_count as album_message_count,

        ---------- booleans
        is_pinned,

        ---------- dates
        snapshot_date,

        ---------- timestamps
        posted_at

    from source

)

select * from renamed
