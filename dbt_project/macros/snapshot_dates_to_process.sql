{#
    Why: the daily summaries must not re-aggregate the whole page-day history every day. A
    summary built incrementally re-computes only the snapshot dates for which fct_page_daily has
    rows processed after the summary's last build (new dates and re-published ones), found through
    the index on fct_page_daily.processed_at; each date is then replaced as a whole.

    The last build is max(source_processed_at) of the mart's own rows. A mart that may write no
    row for a processed date (page_alerts_daily: a quiet day has no alerts) would re-compute that
    date on every build, so such a mart records its watermark after each build
    (record_incremental_watermark, a post-hook) and passes recorded=true here.
#}
{% macro snapshot_dates_to_process(page_days_relation, recorded=false) -%}
    select distinct snapshot_date
    from {{ page_days_relation }}
    {% if is_incremental() %}
    where processed_at > greatest(
        (select max(source_processed_at) from {{ this }}),
        {%- if recorded and execute and load_relation(incremental_watermarks_relation()) is not none %}
        (
            select watermarks.processed_at
            from {{ incremental_watermarks_relation() }} as watermarks
            where watermarks.model_name = '{{ this.identifier }}'
        ),
        {%- endif %}
        '-infinity'::timestamptz
    )
    {% endif %}
{%- endmacro %}

{#
    Why hand-written: dbt keeps no state between runs but the relations it builds. The table
    intermediate.incremental_watermarks (not a model: a model cannot be both read and written by
    another model's build) holds, per mart, the latest fct_page_daily.processed_at the mart's last
    build took into account. It is written in the same transaction as the mart (a post-hook), so
    a failed build leaves the old watermark. The watermark is fct_page_daily's max(processed_at)
    when the post-hook runs: builds do not overlap (the daily DAG runs one at a time,
    max_active_runs=1), so the fact has not changed since the mart's dates were compiled.
#}
{% macro incremental_watermarks_relation() -%}
    {{ return(api.Relation.create(
        database=target.database,
        schema=generate_schema_name('intermediate', none),
        identifier='incremental_watermarks',
        type='table',
    )) }}
{%- endmacro %}

{% macro record_incremental_watermark(page_days_relation) -%}
    {%- set watermarks = incremental_watermarks_relation() -%}
    {#- the schema is there: dbt created it for the intermediate models (no `create schema`, which
        needs CREATE on the database even when the schema exists) -#}
    create table if not exists {{ watermarks }} (
        model_name text primary key,
        processed_at timestamptz not null,
        recorded_at timestamptz not null default now()
    );
    insert into {{ watermarks }} (model_name, processed_at)
    select '{{ this.identifier }}', max(processed_at)
    from {{ page_days_relation }}
    having max(processed_at) is not null
    on conflict (model_name) do update
        set processed_at = excluded.processed_at, recorded_at = now()
{%- endmacro %}
