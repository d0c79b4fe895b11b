-- Each methodology's criteria and its maximum must agree: the points of all its criteria
-- (computed and manual) add up to max_score, otherwise 100 % is unreachable (or exceeded).
-- A methodology without any criterion fails too. Returns the methodologies that break it.
with

methodologies as (

    select * from {{ ref('rating_methodologies') }}

),

criteria as (

    select * from {{ ref('rating_criteria') }}

),

totals as (

    select
        methodologies.methodology_code,
        methodologies.max_score,
        coalesce(sum(criteria.points), 0) as total_points

    from methodologies
    left join criteria
        on methodologies.methodology_code = criteria.methodology_code
    group by 1, 2

)

select * from totals
where total_points != max_score
