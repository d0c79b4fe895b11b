{#
    Why: a daily build must test what the new dates can break, not re-test the whole history.
    The data tests of the marts carry `where: "__latest_build__"` (dbt_project.yml); here that
    placeholder becomes "the rows the model's latest build wrote": `processed_at` (or, for marts
    that carry their source's stamp, `source_processed_at`) equal to its maximum, an index
    probe on every mart. With the var data_tests_scope = 'history' (the weekly run,
    docs/operations.md) or on a model without either column, it means every row.
    dbt's own get_where_subquery (dispatched, this adapter's version wins) accepts no custom
    macros inside `where`, hence the override (dbt docs, «where» config).
#}
{% macro postgres__get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__latest_build__' in where -%}
        {%- set ns = namespace(column=none) -%}
        {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
        {%- for candidate in ['processed_at', 'source_processed_at'] -%}
            {%- if ns.column is none and tested is not none and candidate in tested.columns -%}
                {%- set ns.column = candidate -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if ns.column is none or var('data_tests_scope') == 'history' -%}
            {%- set where = where | replace('__latest_build__', 'true') -%}
        {%- else -%}
            {%- set latest -%}
                {{ ns.column }} = (select max({{ ns.column }}) from {{ relation }})
            {%- endset -%}
            {%- set where = where | replace('__latest_build__', latest) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
