{#
    Why: BI tools connect as a read-only role (gospubliki.warehouse.bi_role: the NOLOGIN group
    var('bi_role') and its LOGIN member). dbt replaces a table model by creating a new table and
    renaming it, which drops the grants of the old one. Default privileges (set by bi_role for the
    dbt user) cover new tables, but only those created by that user; this on-run-end hook
    re-grants after every run whoever ran it. Guarded: does nothing when the role or a schema
    does not exist (a fresh warehouse, a CI database), so a build never fails because of BI.
#}
{% macro grant_select_to_bi_role(schemas=['marts', 'marts_config']) %}
    {% set role = var('bi_role', 'gospubliki_bi') %}
    {% set sql %}
        do $grant_bi$
        declare
            schema_name text;
        begin
            if not exists (select 1 from pg_roles where rolname = '{{ role }}') then
                return;
            end if;
            foreach schema_name in array array[
                {%- for schema in schemas %}'{{ schema }}'{{ ", " if not loop.last }}{% endfor -%}
            ] loop
                if exists (select 1 from pg_namespace where nspname = schema_name) then
                    execute format('grant usage on schema %I to %I', schema_name, '{{ role }}');
                    execute format('grant select on all tables in schema %I to %I', schema_name, '{{ role }}');
                end if;
            end loop;
        end
        $grant_bi$
    {% endset %}
    {{ return(sql) }}
{% endmacro %}
