-- The criteria config and the rating's maximum must agree: the points of all criteria add up to
-- var('rating_max_score'), otherwise 100 % is unreachable (or exceeded).
with

criteria as (

    select * from {{ ref('rating_criteria') }}

),

total as (

    select coalesce(sum(points), 0) as total_points
    from criteria

)

select * from total
where total_points != {{ var('rating_max_score') }}
