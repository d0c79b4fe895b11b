{#
    Why: dbt's delete+insert deletes the rows being replaced with
    `delete from <mart> where (<unique_key>) in (select distinct <unique_key> from <temp table>)`.
    The temp table was just created and has no statistics, so PostgreSQL guesses it holds
    thousands of distinct keys and hash-joins it with a sequential scan of the whole mart: at a
    year of national history that read all 13 GB of fct_page_daily (and 4 GB of
    fct_page_compliance) in every daily build. Analyzed first (a few hundred milliseconds for a
    day's rows), the planner sees one to three keys and deletes through the mart's index led by the
    key. Everything else is dbt's own macro. dbt looks for `postgres__…` in the root project before
    its own implementations, so this applies to every delete+insert model of the project.
#}
{% macro postgres__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    analyze {{ source }};
    {{ default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) }}
{%- endmacro %}
