{#
    Why: the big facts and national_summary are analyzed after their build, so that the marts
    downstream, which read them by literal dates (macro dates_to_process), are planned from
    statistics that know the dates just written. ANALYZE samples the whole table, though: 1.3 s
    for fct_page_daily at 90 national days, growing with history, and a daily build with nothing
    new wrote nothing to analyze. pg_stat_xact_user_tables counts the rows this transaction
    inserted, updated or deleted (dbt runs a model and its post-hooks in one transaction, on a
    connection of its own), so the table is analyzed only when the build changed it. Rows another
    transaction of the same connection left unreported only make it analyze once more.
#}
{% macro analyze_if_written() -%}
    do $analyze_if_written$
    begin
        if exists (
            select 1
            from pg_stat_xact_user_tables
            where relid = '{{ this }}'::regclass and n_tup_ins + n_tup_upd + n_tup_del > 0
        ) then
            analyze {{ this }};
        end if;
    end
    $analyze_if_written$
{%- endmacro %}
