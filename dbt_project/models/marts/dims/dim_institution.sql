{#
    One row per registry institution: sector, level, region, municipality, ОГРН, exemption, and
    per network its page (dim_page), whether the page is connected to «Госпаблики» and has the
    «Госорганизация» badge, and a status:
      'ведётся'     — an active page on that network (on its latest snapshot date);
      'освобождено' — no active page, and the institution has an exemption reason;
      'создать'     — no active page (none in the registry, or deleted / unavailable), no exemption.
    page_status is the same over all networks; its 'создать' rows are sector_summary's
    to_create_institutions of the latest date.
    The networks are listed here, not taken from var('networks'): the contract names a column set
    per network, and a network that is not collected simply has no active pages.
#}
{% set networks = ['vk', 'ok', 'tg'] %}

with

institutions as (

    select * from {{ ref('int_institutions_joined_to_municipalities') }}

),

registry as (

    select * from {{ ref('stg_registry__institutions') }}

),

sectors as (

    select * from {{ ref('sectors') }}

),

municipalities as (

    select * from {{ ref('dim_municipality') }}

),

pages as (

    select * from {{ ref('dim_page') }}

),

-- one page per institution and network: the active one first (a registry has at most one)
{% for network in networks %}
{{ network }}_pages as (

    select distinct on (institution_id) *
    from pages
    where network = '{{ network }}'
    order by institution_id asc, is_active desc, page_key asc

),

{% endfor %}
active_pages as (

    select
        institution_id,
        count(*) filter (where is_active) as active_pages

    from pages
    group by 1

),

final as (

    select
        institutions.institution_id,
        institutions.institution_name,
        institutions.sector,
        sectors.label_ru as sector_label,
        institutions.level,
        institutions.region_code,
        institutions.region_name,
        institutions.municipality_id,
        municipalities.official_name as municipality_name,
        registry.ogrn,
        registry.inn,
        institutions.has_exemption,
        registry.exemption_reason,
        coalesce(active_pages.active_pages, 0)::bigint as active_pages,
        case
            when coalesce(active_pages.active_pages, 0) > 0 then 'ведётся'
            when institutions.has_exemption then 'освобождено'
            else 'создать'
        end as page_status,
        {% for network in networks %}
        {{ network }}_pages.page_key as {{ network }}_page_key,
        {{ network }}_pages.page_url as {{ network }}_page_url,
        coalesce({{ network }}_pages.is_connected, false) as {{ network }}_is_connected,
        coalesce({{ network }}_pages.is_active and {{ network }}_pages.is_verified, false)
            as {{ network }}_has_badge,
        case
            when {{ network }}_pages.is_active then 'ведётся'
            when institutions.has_exemption then 'освобождено'
            else 'создать'
        end as {{ network }}_status{{ "," if not loop.last }}
        {% endfor %}

    from institutions
    inner join registry
        on institutions.institution_id = registry.institution_id
    left join sectors
        on institutions.sector = sectors.sector
    left join municipalities
        on institutions.municipality_id = municipalities.municipality_id
    left join active_pages
        on institutions.institution_id = active_pages.institution_id
    {% for network in networks %}
    left join {{ network }}_pages
        on institutions.institution_id = {{ network }}_pages.institution_id
    {% endfor %}

)

select * from final
