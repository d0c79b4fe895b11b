-- One row per registry institution with its municipality and region (names, type, population).
with

institutions as (

    select * from {{ ref('stg_registry__institutions') }}

),

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

joined as (

    select
        institutions.institution_id,
        institutions.region_code,
        institutions.municipality_id,
        institutions.institution_name,
        institutions.sector,
        institutions.level,
        regions.region_name,
        municipalities.municipality_name,
        municipalities.municipality_type,
        municipalities.municipality_display_name,
        municipalities.population as municipality_population,
        institutions.has_exemption

    from institutions
    inner join regions
        on institutions.region_code = regions.region_code
    left join municipalities
        on institutions.municipality_id = municipalities.municipality_id

)

select * from joined
