-- The published rating's place is a dense rank of the score within a region and period:
-- a municipality's place is 1 + the number of distinct higher scores (so equal scores share a
-- place and the next score takes the next place). Returns the rows that break it.
with

rating as (

    select * from {{ ref('municipality_rating') }}

),

expected_places as (

    select
        rating.municipality_rating_id,
        rating.place,
        1 + (
            select count(distinct higher.score)
            from rating as higher
            where
                higher.region_code = rating.region_code
                and higher.period_id = rating.period_id
                and higher.score > rating.score
        ) as expected_place

    from rating

)

select * from expected_places
where place != expected_place
