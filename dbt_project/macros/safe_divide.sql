{#
    Why: ratios (views per post, engagement, subscribers per 1 000 residents) must be null, not an
    error, when the denominator is zero or null; computed on numeric so rounding is exact.
#}
{% macro safe_divide(numerator, denominator) -%}
    ({{ numerator }})::numeric / nullif(({{ denominator }})::numeric, 0)
{%- endmacro %}
