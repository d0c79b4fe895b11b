{#
    One row per reference municipality (top-level municipal formation): its region, type, names
    (the reference's official form and the name the default methodology's region publishes,
    seed municipality_aliases), population and how many registry institutions it has.
#}
with

municipalities as (

    select * from {{ ref('stg_reference__municipalities') }}

),

regions as (

    select * from {{ ref('stg_reference__regions') }}

),

institutions as (

    select * from {{ ref('int_institutions_joined_to_municipalities') }}

),

methodologies as (

    select * from {{ ref('rating_methodologies') }}

),

aliases as (

    select * from {{ ref('municipality_aliases') }}

),

default_display_names as (

    select
        aliases.municipality_id,
        aliases.alias as display_name

    from aliases
    inner join methodologies
        on aliases.methodology_code = methodologies.methodology_code
    where aliases.is_display_name and methodologies.is_default

),

institutions_by_municipality as (

    select
        municipality_id,
        count(*) as institutions,
        count(*) filter (where not has_exemption) as target_institutions

    from institutions
    where municipality_id is not null
    group by 1

),

final as (

    select
        municipalities.municipality_id,
        municipalities.region_code,
        regions.region_name,
        municipalities.municipality_name,
        municipalities.municipality_type,
        case municipalities.municipality_type
            when 'г.о.' then 'городской округ'
            when 'м.о.' then 'муниципальный округ'
            when 'м.р.' then 'муниципальный район'
            when 'ЗАТО' then 'закрытое административно-территориальное образование'
        end as municipality_type_label,
        case
            when municipalities.municipality_type = 'ЗАТО'
                then 'ЗАТО ' || municipalities.municipality_name
            else municipalities.municipality_display_name
        end as official_name,
        coalesce(
            default_display_names.display_name,
            case
                when municipalities.municipality_type = 'ЗАТО'
                    then 'ЗАТО ' || municipalities.municipality_name
                else municipalities.municipality_display_name
            end
        ) as display_name,
        municipalities.population::bigint as population,
        municipalities.is_synthetic,
        coalesce(institutions_by_municipality.institutions, 0)::bigint as institutions,
        coalesce(institutions_by_municipality.target_institutions, 0)::bigint as target_institutions

    from municipalities
    inner join regions
        on municipalities.region_code = regions.region_code
    left join default_display_names
        on municipalities.municipality_id = default_display_names.municipality_id
    left join institutions_by_municipality
        on municipalities.municipality_id = institutions_by_municipality.municipality_id

)

select * from final
