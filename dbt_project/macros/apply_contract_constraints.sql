{#
    Why: the marts' row rules are constraints of their contracts (not_null and check), which
    PostgreSQL enforces on every write, so a build that would write a bad row fails and leaves the
    mart as it was — and the daily build has ~390 fewer test nodes (issue #10). But dbt applies a
    contract's constraints only when it creates a table: an incremental mart created before a
    constraint was declared would go on unchecked. This post-hook (marts, incremental only) adds
    what is missing to such a table: when it has fewer check constraints than the contract, its
    check constraints are replaced by the contract's; missing NOT NULLs are set. The rows already
    there are checked as the constraints are added (an error names the constraint). With the
    constraints in place it is one catalog lookup. It counts, it does not compare expressions: a
    check whose expression changed (same count) needs, as dbt documents for contract changes,
    `gospubliki dbt build --full-refresh --select <mart>`.
#}
{% macro apply_contract_constraints() %}
    {%- if not (model.config.get('contract') or {}).get('enforced') or model.config.materialized != 'incremental' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set not_null = [] -%}
    {%- set checks = [] -%}
    {%- for name, column in model.columns.items() -%}
        {%- for constraint in column.constraints or [] -%}
            {%- if constraint.type == 'not_null' -%}
                {%- do not_null.append(name) -%}
            {%- elif constraint.type == 'check' -%}
                {%- do checks.append('check (' ~ constraint.expression ~ ')') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for constraint in model.constraints or [] if constraint.type == 'check' -%}
        {%- do checks.append(('constraint ' ~ constraint.name ~ ' ' if constraint.name else '') ~ 'check (' ~ constraint.expression ~ ')') -%}
    {%- endfor -%}
    {%- if not (not_null or checks) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set sql -%}
        do $contract$
        declare
            constraint_name text;
        begin
            {%- if checks %}
            if (select count(*) from pg_constraint
                where conrelid = '{{ this }}'::regclass and contype = 'c') < {{ checks | length }} then
                for constraint_name in
                    select conname from pg_constraint where conrelid = '{{ this }}'::regclass and contype = 'c'
                loop
                    execute format('alter table {{ this }} drop constraint %I', constraint_name);
                end loop;
                alter table {{ this }}
                {%- for check in checks %}
                    add {{ check }}{{ "," if not loop.last }}
                {%- endfor %};
            end if;
            {%- endif %}
            {%- if not_null %}
            if (select count(*) from pg_attribute
                where attrelid = '{{ this }}'::regclass and attnotnull
                  and attname = any(array[{% for name in not_null %}'{{ name }}'{{ ", " if not loop.last }}{% endfor %}])) < {{ not_null | length }} then
                alter table {{ this }}
                {%- for name in not_null %}
                    alter column {{ name }} set not null{{ "," if not loop.last }}
                {%- endfor %};
            end if;
            {%- endif %}
        end
        $contract$
    {%- endset -%}
    {{ return(sql) }}
{% endmacro %}
