with

source as (

    select * from {{ source('rating_manual', 'scores') }}

),

renamed as (

    select
        ---------- ids
        methodology_code,
        entity_id,
        criterion_code,
        import_id::text as import_id,

        ---------- strings
        nullif(trim(comment), '') as manual_comment,

        ---------- numerics
        points::numeric as points,

        ---------- dates
        period_start,

        ---------- timestamps
        imported_at

    from source

)

select * from renamed
