-- The raw network tables partitioned by month were listed in three places: this function's
-- default (migration 0300), the raw archive (warehouse/archive.py) and the dbt macro that
-- refuses a full refresh while months are archived. A table added to raw and partitioned by a
-- later migration would have been missed by whichever list was not edited. They are now read
-- from the catalog: the tables of schema raw that are partitioned (pg_partitioned_table, which
-- every role may read). `parents` keeps its meaning when given; null (the new default) means all.
create or replace function raw.ensure_month_partitions(
    day date,
    parents text[] default null
) returns void
language plpgsql as $$
declare
    parent text;
    lo date := date_trunc('month', day)::date;
    hi date := (date_trunc('month', day) + interval '1 month')::date;
    part text;
begin
    foreach parent in array coalesce(parents, array(
        select partitioned.relname::text
        from pg_partitioned_table as p
        join pg_class as partitioned on partitioned.oid = p.partrelid
        where partitioned.relnamespace = 'raw'::regnamespace
        order by 1
    )) loop
        part := format('%s_p%s', parent, to_char(lo, 'YYYYMM'));
        continue when to_regclass(format('raw.%I', part)) is not null;
        -- serialise creators of the same partition (tasks of the three networks run in parallel)
        perform pg_advisory_xact_lock(hashtext('raw.' || part));
        continue when to_regclass(format('raw.%I', part)) is not null;
        execute format('create table raw.%I (like raw.%I including defaults including constraints including storage including compression)',
                       part, parent);
        -- rows of that month that went to the DEFAULT partition move to their own
        execute format('with moved as (delete from raw.%I where snapshot_date >= %L and snapshot_date < %L returning *)
                        insert into raw.%I select * from moved', parent || '_pdefault', lo, hi, part);
        execute format('alter table raw.%I attach partition raw.%I for values from (%L) to (%L)', parent, part, lo, hi);
    end loop;
end
$$;

comment on function raw.ensure_month_partitions(date, text[]) is
    'Creates the month''s partition of every partitioned raw table, or of the given ones (rows of that month in the DEFAULT partition move into it)';
