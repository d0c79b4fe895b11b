-- The published rating's place is a dense rank of the score within a methodology, region and
-- period: a municipality's place is 1 + the number of distinct higher scores (so equal scores
-- share a place and the next score takes the next place). Returns the rows that break it.
-- (A hash join on the group, not a correlated subquery: the rating keeps every period.)
with

rating as (

    select * from {{ ref('municipality_rating') }}

),

distinct_scores as (

    select distinct
        methodology_code,
        region_code,
        period_id,
        score

    from rating

),

expected_places as (

    select
        rating.municipality_rating_id,
        rating.place,
        1 + count(distinct_scores.score) filter (
            where distinct_scores.score > rating.score
        ) as expected_place

    from rating
    inner join distinct_scores
        on
            rating.methodology_code = distinct_scores.methodology_code
            and rating.region_code = distinct_scores.region_code
            and rating.period_id = distinct_scores.period_id
    group by 1, 2

)

select * from expected_places
where place != expected_place
