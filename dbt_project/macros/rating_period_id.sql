{#
    Why: a rating period is named the way ЦУР and the CLI write it: an ISO week '2026-W47'
    (ISO year, so 2026-12-28 belongs to '2026-W53' and 2027-01-01 to '2026-W53' as well) or a
    month '2026-11'. The same text is parsed back by gospubliki.reports.methodology.parse_period.
#}
{% macro rating_period_id(period_type, period_start) -%}
    case {{ period_type }}
        when 'week' then to_char({{ period_start }}, 'IYYY-"W"IW')
        else to_char({{ period_start }}, 'YYYY-MM')
    end
{%- endmacro %}
