{#
    Why: the daily summaries must not re-aggregate the whole page-day history every day. A
    summary built incrementally re-computes only the snapshot dates for which fct_page_daily has
    rows processed after the summary's last build (new dates and re-published ones), found through
    the index on fct_page_daily.processed_at; each date is then replaced as a whole.
#}
{% macro snapshot_dates_to_process(page_days_relation) -%}
    select distinct snapshot_date
    from {{ page_days_relation }}
    {% if is_incremental() %}
    where processed_at > (
        select coalesce(max(source_processed_at), '-infinity'::timestamptz)
        from {{ this }}
    )
    {% endif %}
{%- endmacro %}
