{#
    Why: the published rating shows a whole percent, rounded half up (37.5 → 38). PostgreSQL's
    round(numeric) rounds half away from zero (half up for the non-negative values we have),
    whereas round(double precision) rounds half to even (37.5 → 38 but 12.5 → 12). Casting to
    numeric first makes the rule explicit.
#}
{% macro percent_of(part, whole) -%}
    round(({{ part }})::numeric * 100 / nullif(({{ whole }})::numeric, 0))::integer
{%- endmacro %}
