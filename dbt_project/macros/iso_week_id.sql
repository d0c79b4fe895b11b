{#
    Why: weeks are shown and keyed the way ЦУР reports name them, as ISO weeks ('2025-W47');
    one expression keeps the format identical in every weekly mart and the rating.
#}
{% macro iso_week_id(date_expression) -%}
    to_char({{ date_expression }}, 'IYYY-"W"IW')
{%- endmacro %}
