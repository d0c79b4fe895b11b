with

source as (

    select * from {{ source('reference', 'regions') }}

),

renamed as (

    select
        ---------- ids
        region_code,

        ---------- strings
        name as region_name,
        federal_district,

        ---------- numerics
        population

    from source

)

select * from renamed
