{#
    Why: row invariants (to_create = target - created, 0 <= percent <= 100) are best stated as a
    boolean expression that must hold on every row; dbt_utils is not available offline.
#}
{% test expression_is_true(model, expression, where_clause=none) %}

select *
from {{ model }}
where not ({{ expression }})
{%- if where_clause %}
    and ({{ where_clause }})
{%- endif %}

{% endtest %}
