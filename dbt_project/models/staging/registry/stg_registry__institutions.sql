with

source as (

    select * from {{ source('registry', 'institutions') }}

),

renamed as (

    select
        ---------- ids
        institution_id,
        region_code,
        municipality_id,
        import_id::text as import_id,

        ---------- strings
        name as institution_name,
        ogrn,
        inn,
        sector,
        level,
        nullif(trim(exemption_reason), '') as exemption_reason,

        ---------- booleans
        nullif(trim(exemption_reason), '') is not null as has_exemption

    from source

)

select * from renamed
