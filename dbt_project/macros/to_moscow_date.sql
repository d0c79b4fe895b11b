{#
    Why: snapshot dates are Moscow calendar days (gospubliki.dates), while timestamps are stored
    as timestamptz. A post belongs to the Moscow day it was published on.
#}
{% macro to_moscow_date(timestamp_column) -%}
    ({{ timestamp_column }} at time zone 'Europe/Moscow')::date
{%- endmacro %}
