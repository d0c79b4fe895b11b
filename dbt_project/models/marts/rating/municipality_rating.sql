-- The municipality rating as a ЦУР publishes it: per region and period, place (dense rank of the
-- score), score of max, whole percent (half up) and its change since the previous period.
with

criteria_points as (

    select * from {{ ref('municipality_rating_criteria') }}

),

scores as (

    select
        period_id,
        municipality_id,
        region_code,
        region_name,
        municipality_name,
        period_start,
        period_end_date,
        sum(points_awarded) as score

    from criteria_points
    group by 1, 2, 3, 4, 5, 6, 7

),

scores_with_percent as (

    select
        scores.*,
        {{ var('rating_max_score') }}::numeric as max_score,
        {{ percent_of('scores.score', var('rating_max_score')) }} as score_percent

    from scores

),

periods as (

    select
        period_start,
        lag(period_start) over (order by period_start) as previous_period_start

    from (select distinct period_start from scores) as distinct_periods

),

ranked as (

    select
        scores_with_percent.*,
        periods.previous_period_start,
        dense_rank() over (
            partition by scores_with_percent.region_code, scores_with_percent.period_id
            order by scores_with_percent.score desc
        ) as place

    from scores_with_percent
    inner join periods
        on scores_with_percent.period_start = periods.period_start

),

compared_to_previous_period as (

    select
        ranked.period_id || '/' || ranked.municipality_id as municipality_rating_id,
        ranked.period_id,
        ranked.municipality_id,
        ranked.region_code,
        ranked.region_name,
        ranked.place,
        ranked.municipality_name,
        ranked.score,
        ranked.max_score,
        ranked.score_percent,
        previous.score_percent as previous_score_percent,
        ranked.score_percent - previous.score_percent as dynamics_pp,
        case
            when previous.municipality_id is null then 'новый'
            when ranked.score_percent > previous.score_percent
                then '↑ ' || (ranked.score_percent - previous.score_percent) || '%'
            when ranked.score_percent < previous.score_percent
                then '↓ ' || (previous.score_percent - ranked.score_percent) || '%'
            else '-'
        end as dynamics,
        previous.municipality_id is null as is_new,
        ranked.period_start,
        ranked.period_end_date

    from ranked
    left join scores_with_percent as previous
        on
            ranked.municipality_id = previous.municipality_id
            and ranked.previous_period_start = previous.period_start

)

select * from compared_to_previous_period
