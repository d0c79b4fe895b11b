{#
    Why: the networks (VK now; OK and Telegram later) are staged into the same columns by
    stg_<network>__<entity> models. The intermediate layer unions them from the project var
    `networks`, so adding a network needs its staging models and one word in dbt_project.yml,
    not a change to every downstream model.
#}
{% macro union_network_models(entity, columns) -%}
    {%- for network in var('networks') %}
    select
        {%- for column in columns %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_' ~ network ~ '__' ~ entity) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
