-- OK topics re-read on the snapshot date (one row per topic per load), validated loads only.
with

source as (

    select * from {{ source('raw', 'ok_posts') }}
    where {{ only_validated_loads('load_id') }}

),

renamed as (

    select
        ---------- ids
        load_id,
        'ok:' || group_id || '_' || post_id as post_key,
        page_key,
        'ok'::text as network,
        group_id::text as network_page_id,
        post_id::text as network_post_id,

        ---------- strings
        text as post_text,
        'https://ok.ru/group/' || group_id || '/topic/' || post_id as post_url,

        ---------- numerics
        views as view_count,
        likes as like_count,
        reposts as repost_count,
        comments as comment_count,

        ---------- booleans
        false as is_pinned,

        ---------- dates
        snapshot_date,

        ---------- timestamps
        posted_at

    from source

)

select * from renamed
