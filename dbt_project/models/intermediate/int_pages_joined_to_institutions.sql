-- One row per registry page: page × institution × municipality × region.
with

pages as (

    select * from {{ ref('stg_registry__pages') }}

),

institutions as (

    select * from {{ ref('int_institutions_joined_to_municipalities') }}

),

joined as (

    select
        pages.page_key,
        pages.network,
        institutions.institution_id,
        institutions.region_code,
        institutions.municipality_id,
        pages.page_ref,
        pages.page_url,
        institutions.institution_name,
        institutions.sector,
        institutions.level,
        institutions.region_name,
        institutions.municipality_name,
        institutions.municipality_type,
        institutions.municipality_display_name,
        institutions.municipality_population,
        institutions.has_exemption,
        pages.is_connected

    from pages
    inner join institutions
        on pages.institution_id = institutions.institution_id

)

select * from joined
