-- Reports and `gospubliki rating` show the default methodology unless told otherwise: exactly one
-- row of rating_methodologies has is_default. Returns a row when there are none or several.
select count(*) filter (where is_default) as defaults
from {{ ref('rating_methodologies') }}
having count(*) filter (where is_default) != 1
