-- The project var rating_methodologies (empty = compute every methodology) may only name
-- methodologies of the seed: a typo would silently compute nothing. Returns the unknown codes.
{%- set codes = var('rating_methodologies') or [] %}
with

requested as (

    {%- if codes %}
    select requested_code
    from (values {% for code in codes %}('{{ code | replace("'", "''") }}'){{ ", " if not loop.last }}{% endfor %}) as requested_codes (requested_code)
    {%- else %}
    select null::text as requested_code
    where false
    {%- endif %}

)

select requested.requested_code
from requested
where requested.requested_code not in (
    select methodology_code from {{ ref('rating_methodologies') }}
)
