{#
    Why: dbt's default builds "<target schema>_<custom schema>" (e.g. marts_staging). Our schemas
    are a contract with BI tools and the read-only BI role ("marts" only), so a folder's custom
    schema is used as is; models without one fall back to the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
