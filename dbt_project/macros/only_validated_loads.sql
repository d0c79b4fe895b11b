{#
    Why: the raw load life cycle (gospubliki.warehouse.loads) keeps failed, superseded and
    in-flight loads in the raw tables for inspection. Everything downstream must see only the
    one validated load per (source, snapshot date), so a failed validation never reaches the
    marts. Every raw network staging model filters with this one predicate.
#}
{% macro only_validated_loads(load_id_column='load_id') -%}
    {{ load_id_column }} in (
        select validated_loads.load_id
        from {{ source('raw', 'loads') }} as validated_loads
        where validated_loads.status = 'validated'
    )
{%- endmacro %}
