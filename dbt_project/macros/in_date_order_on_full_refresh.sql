{#
    Why: a daily build appends one date's rows at a time, so the big facts lie on disk in date
    order, and the marts downstream read a few dates of them through their date indexes. A full
    refresh (or the first build) writes the whole history in one INSERT, in whatever order its
    hash joins produce: after a national year, pg_stats.correlation of fct_page_daily.snapshot_date
    was 0.02, and reading one date meant reading every page of the table (re-processing one
    network's day: 360.9 s, against 60.2 s once the facts were clustered; issue #10). Sorting the
    rows of a full refresh costs one sort of the history (on disk: work_mem spills to temp files)
    and leaves the tables as daily builds would have. An incremental build is not sorted: its
    rows are new dates already.
#}
{% macro in_date_order_on_full_refresh(columns) -%}
    {%- if not is_incremental() %}
    order by {{ columns | join(', ') }}
    {%- endif %}
{%- endmacro %}
