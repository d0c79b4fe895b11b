-- The «светофор» methodology must be usable: every parameter present once (the model pivots
-- them by name), the weights of the requirements add up to 100 (a page meeting all of them
-- scores 100) and green needs more than yellow. Returns a row per broken rule.
with

thresholds as (

    select * from {{ ref('compliance_thresholds') }}

),

expected_parameters as (

    select parameter
    from (
        values
        ('min_posts_7d'), ('max_days_since_last_post'), ('weight_connected'), ('weight_gov_badge'),
        ('weight_avatar'), ('weight_cover'), ('weight_description'), ('weight_posting_frequency'),
        ('weight_recent_post'), ('green_min_score'), ('yellow_min_score')
    ) as expected (parameter)

),

missing as (

    select 'missing parameter ' || expected_parameters.parameter as problem
    from expected_parameters
    left join thresholds
        on expected_parameters.parameter = thresholds.parameter
    where thresholds.parameter is null

),

weights as (

    select 'weights sum to ' || coalesce(sum(value), 0) || ', not 100' as problem
    from thresholds
    where parameter like 'weight\_%'
    having coalesce(sum(value), 0) != 100

),

status_thresholds as (

    select 'green_min_score must be greater than yellow_min_score' as problem
    from thresholds as green
    inner join thresholds as yellow
        on green.parameter = 'green_min_score' and yellow.parameter = 'yellow_min_score'
    where green.value <= yellow.value

)

select * from missing
union all
select * from weights
union all
select * from status_thresholds
