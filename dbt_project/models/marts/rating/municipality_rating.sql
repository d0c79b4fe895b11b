{#
    The municipality rating as a ЦУР publishes it, per methodology, region and period: place
    (dense rank of the score: 1, 2, 2, 3), score of max, whole percent rounded half up (numeric,
    37.5 → 38), and the dynamics = this period's shown percent − the previous period's, in p.p.
    ('↑ 7%', '↓ 3%', '-' unchanged, 'новый' when the municipality was not rated in the previous
    period of the methodology). missing_criteria lists the criteria without data (0 points).
    days_covered / period_days / is_partial_period: the rating is measured on the period's latest
    snapshot date (period_end_date); measured before the period's last day it covers only the days
    up to it (a week measured on its Monday: 1 of 7) and is partial. A period without snapshots
    (manual scores only) counts as complete.

    History: incremental, delete+insert per (methodology, period). A build re-ranks only the
    periods whose criteria rows were (re)written since the last build, and the period right after
    each of them (its dynamics depend on it); every other period keeps its rows.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['methodology_code', 'period_id'],
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['methodology_code', 'period_id']},
            {'columns': ['methodology_code', 'region_code', 'period_start']},
            {'columns': ['source_processed_at']},
        ],
    )
}}

with

criteria_points as (

    select * from {{ ref('municipality_rating_criteria') }}

),

methodologies as (

    select * from {{ ref('rating_methodologies') }}

),

-- the names a methodology publishes (its region's spelling), instead of the reference's
display_names as (

    select * from {{ ref('municipality_aliases') }}
    where is_display_name

),

all_periods as (

    select distinct
        methodology_code,
        period_start

    from criteria_points

),

period_sequence as (

    select
        methodology_code,
        period_start,
        lag(period_start) over (partition by methodology_code order by period_start) as previous_period_start,
        lead(period_start) over (partition by methodology_code order by period_start) as next_period_start

    from all_periods

),

changed_periods as (

    select distinct
        methodology_code,
        period_start

    from criteria_points
    {%- if is_incremental() %}
    where processed_at > (
        select coalesce(max(already_ranked.source_processed_at), '-infinity'::timestamptz)
        from {{ this }} as already_ranked
    )
    {%- endif %}

),

periods_to_process as (

    select
        methodology_code,
        period_start

    from changed_periods

    union

    select
        period_sequence.methodology_code,
        period_sequence.next_period_start

    from changed_periods
    inner join period_sequence
        on
            changed_periods.methodology_code = period_sequence.methodology_code
            and changed_periods.period_start = period_sequence.period_start
    where period_sequence.next_period_start is not null

),

periods_needed as (

    select
        methodology_code,
        period_start

    from periods_to_process

    union

    select
        period_sequence.methodology_code,
        period_sequence.previous_period_start

    from periods_to_process
    inner join period_sequence
        on
            periods_to_process.methodology_code = period_sequence.methodology_code
            and periods_to_process.period_start = period_sequence.period_start
    where period_sequence.previous_period_start is not null

),

scores as (

    select
        criteria_points.methodology_code,
        criteria_points.period_start,
        criteria_points.municipality_id,
        max(criteria_points.period_id) as period_id,
        max(criteria_points.period_type) as period_type,
        max(criteria_points.period_end_date) as period_end_date,
        max(criteria_points.region_code) as region_code,
        max(criteria_points.region_name) as region_name,
        max(criteria_points.municipality_name) as municipality_name,
        max(criteria_points.max_score) as max_score,
        sum(criteria_points.points_awarded) as score,
        string_agg(
            criteria_points.criterion_code, ', '
            order by criteria_points.criterion_sort_order, criteria_points.criterion_code
        ) filter (where criteria_points.is_missing) as missing_criteria,
        count(*) filter (where criteria_points.is_missing) as missing_criteria_count,
        max(criteria_points.processed_at) as source_processed_at

    from criteria_points
    inner join periods_needed
        on
            criteria_points.methodology_code = periods_needed.methodology_code
            and criteria_points.period_start = periods_needed.period_start
    group by 1, 2, 3

),

scores_with_percent as (

    select
        scores.*,
        {{ percent_of('scores.score', 'scores.max_score') }} as score_percent

    from scores

),

ranked as (

    select
        scores_with_percent.*,
        period_sequence.previous_period_start,
        case
            when scores_with_percent.period_type = 'month'
                then (scores_with_percent.period_start + interval '1 month' - interval '1 day')::date
            else scores_with_percent.period_start + 6
        end as period_last_day,
        dense_rank() over (
            partition by
                scores_with_percent.methodology_code,
                scores_with_percent.region_code,
                scores_with_percent.period_start
            order by scores_with_percent.score desc
        ) as place

    from scores_with_percent
    inner join periods_to_process
        on
            scores_with_percent.methodology_code = periods_to_process.methodology_code
            and scores_with_percent.period_start = periods_to_process.period_start
    inner join period_sequence
        on
            scores_with_percent.methodology_code = period_sequence.methodology_code
            and scores_with_percent.period_start = period_sequence.period_start

),

compared_to_previous_period as (

    select
        ranked.methodology_code || '/' || ranked.period_id || '/' || ranked.municipality_id
        as municipality_rating_id,
        ranked.methodology_code,
        ranked.period_id,
        ranked.municipality_id,
        ranked.region_code,
        methodologies.name_ru as methodology_name,
        coalesce(methodologies.is_example, false) as is_example,
        ranked.period_type,
        ranked.region_name,
        ranked.place,
        coalesce(display_names.alias, ranked.municipality_name) as municipality_name,
        ranked.score,
        ranked.max_score,
        ranked.score_percent,
        previous.period_id as previous_period_id,
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
        ranked.missing_criteria,
        ranked.missing_criteria_count,
        ranked.period_start,
        ranked.period_end_date,
        (least(coalesce(ranked.period_end_date, ranked.period_last_day), ranked.period_last_day)
            - ranked.period_start + 1)::integer as days_covered,
        (ranked.period_last_day - ranked.period_start + 1)::integer as period_days,
        coalesce(ranked.period_end_date < ranked.period_last_day, false) as is_partial_period,
        ranked.source_processed_at,
        '{{ run_started_at.isoformat() }}'::timestamptz as processed_at

    from ranked
    left join methodologies
        on ranked.methodology_code = methodologies.methodology_code
    left join display_names
        on
            ranked.methodology_code = display_names.methodology_code
            and ranked.municipality_id = display_names.municipality_id
    left join scores_with_percent as previous
        on
            ranked.methodology_code = previous.methodology_code
            and ranked.municipality_id = previous.municipality_id
            and ranked.previous_period_start = previous.period_start

)

select * from compared_to_previous_period
