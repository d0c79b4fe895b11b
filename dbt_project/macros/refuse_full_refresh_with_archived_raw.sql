{#
    on-run-start: a full refresh of a model that reads the raw network tables stops, with one
    message, while raw months are archived out of the warehouse (audit.raw_archives,
    plugins/gospubliki/warehouse/archive.py): it would rebuild the marts from the months still in
    the warehouse only, and publish a history with those months missing. Models that rebuild from
    the marts (summaries, dims, ratings) are not concerned, so `--full-refresh --select
    national_summary` still runs.
#}
{% macro refuse_full_refresh_with_archived_raw() %}
    {%- if execute and flags.FULL_REFRESH -%}
        {%- set archives = adapter.get_relation(database=target.database, schema='audit', identifier='raw_archives') -%}
        {%- if archives -%}
            {%- set months = run_query("select coalesce(string_agg(distinct to_char(month, 'YYYY-MM'), ', '), '') from audit.raw_archives").columns[0].values()[0] -%}
            {#- the tables archived by month: raw's partitioned tables, from the catalog (as
                warehouse/archive.py and raw.ensure_month_partitions find them) -#}
            {%- set partitioned = run_query("select c.relname::text from pg_partitioned_table as p join pg_class as c on c.oid = p.partrelid where c.relnamespace = 'raw'::regnamespace").columns[0].values() | list -%}
            {%- set concerned = [] -%}
            {%- for unique_id in selected_resources if unique_id.startswith('model.') -%}
                {%- set node = graph.nodes[unique_id] -%}
                {%- if node.config.materialized in ('table', 'incremental') and reads_raw_network_tables(unique_id, partitioned) -%}
                    {%- do concerned.append(node.name) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if months and concerned -%}
                {{ exceptions.raise_compiler_error(
                    "full refresh of " ~ concerned | sort | join(', ') ~ " refused: the raw rows of " ~ months
                    ~ " are archived out of the warehouse, the rebuild would lose them; restore them first: "
                    ~ "gospubliki warehouse restore-raw") }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}

{#- whether a node reads one of the raw tables named in `partitioned`: directly, or through the
    views (and ephemeral models) it selects from; a table or incremental model in between stores
    its own rows, so what is beyond it is not read again -#}
{% macro reads_raw_network_tables(unique_id, partitioned) %}
    {%- if unique_id.startswith('source.') -%}
        {%- set source = graph.sources[unique_id] -%}
        {{- return(source.schema == 'raw' and source.identifier in partitioned) -}}
    {%- endif -%}
    {%- set node = graph.nodes.get(unique_id) -%}
    {%- if node is none -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- for parent in node.depends_on.nodes -%}
        {%- set parent_node = graph.nodes.get(parent) -%}
        {%- if parent.startswith('source.') or parent_node.config.materialized in ('view', 'ephemeral') -%}
            {%- if reads_raw_network_tables(parent, partitioned) -%}
                {{- return(true) -}}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(false) -}}
{% endmacro %}
