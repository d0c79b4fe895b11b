{#
    Why: the weekly marts (fct_post, engagement_page_weekly, best_posts_weekly) must not re-read
    the whole post history every day. A load of snapshot date D re-reads the posts of the
    window_days days ending on D (and the next morning's), so it can change the figures of the
    ISO weeks containing D - (window_days - 1) … D + 1 only. This macro returns those weeks
    (Mondays) for the snapshot dates that fct_page_daily processed after the mart's last build
    (all dates on a full build).
#}
{% macro weeks_to_process(page_days_relation) -%}
    select distinct
        date_trunc('week', changed_dates.snapshot_date + day_offsets.day_offset)::date
            as week_start_date
    from (
        {{ snapshot_dates_to_process(page_days_relation) }}
    ) as changed_dates
    cross join
        generate_series(-({{ var('window_days') }} - 1), 1) as day_offsets (day_offset)
{%- endmacro %}
