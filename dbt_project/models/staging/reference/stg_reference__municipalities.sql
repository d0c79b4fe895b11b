with

source as (

    select * from {{ source('reference', 'municipalities') }}

),

renamed as (

    select
        ---------- ids
        municipality_id,
        region_code,

        ---------- strings
        name as municipality_name,
        municipality_type,
        name || ' ' || municipality_type as municipality_display_name,

        ---------- numerics
        population,

        ---------- booleans
        is_synthetic

    from source

)

select * from renamed
