-- Every parameter of alert_thresholds is present once, and silent_days fits the post window
-- (a page's posts are seen var('window_days') days back; a longer silence cannot be told).
with

expected as (

    select parameter
    from (values ('silent_days'), ('subscribers_drop_percent'), ('subscribers_drop_min_members'))
        as expected_parameters (parameter)

),

thresholds as (

    select * from {{ ref('alert_thresholds') }}

)

select expected.parameter, 'missing' as problem
from expected
left join thresholds on expected.parameter = thresholds.parameter
where thresholds.parameter is null

union all

select parameter, 'silent_days must be within 1 .. window_days' as problem
from thresholds
where parameter = 'silent_days' and (value < 1 or value > {{ var('window_days') }} or value <> round(value))

union all

select parameter, 'subscribers_drop_percent must be within (0, 100]' as problem
from thresholds
where parameter = 'subscribers_drop_percent' and (value <= 0 or value > 100)
