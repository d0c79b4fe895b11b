{#
    Why: an incremental mart must read only the dates it re-computes from the big facts
    (fct_page_daily, fct_post). Joining the facts to a CTE of those dates, or filtering with
    `snapshot_date in (select …)` / `>= (select min(…))`, leaves PostgreSQL guessing how many dates
    come back: it may read the whole fact (or, with sequential scans off, a whole index). The dates
    are known before the model's SQL runs — dbt compiles a model right before running it, after
    its parents were built — so they are queried at compile time and written into the SQL as
    literals, which the planner uses as an index condition with exact estimates
    (tests/integration/test_incremental_scans.py checks every incremental mart's plan).

    dates_to_process(dates_query, day_offsets): the distinct dates `dates_query` returns (its
    first column, a date), each shifted by every offset in days, as a sorted list of 'YYYY-MM-DD'
    strings; none on a full build (and while parsing), meaning «every date».
    date_in_list(column, dates): the predicate `column in (those dates)`; `true` for none, `false`
    for an empty list (nothing to process).
#}
{% macro dates_to_process(dates_query, day_offsets=[0]) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select distinct (dates_found.date_found + day_offsets.day_offset)::text
        from ({{ dates_query }}) as dates_found (date_found)
        cross join unnest(array[{{ day_offsets | join(', ') }}]::integer[]) as day_offsets (day_offset)
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}

{% macro date_in_list(column, dates) -%}
    {%- if dates is none -%}
        true
    {%- elif dates | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in (
            {%- for day in dates %}'{{ day }}'::date{{ ", " if not loop.last }}{% endfor -%}
        )
    {%- endif -%}
{%- endmacro %}
