-- Issue 10, item 3: the raw tables of the networks are partitioned by month of snapshot_date, so
-- retention and the per-date reads of staging touch one month, not the whole history.
--
-- Each of raw.{vk,ok,tg}_{pages,posts} is rebuilt WITH its data: a partitioned table of the same
-- columns (defaults, comments, storage kept), its primary key extended by snapshot_date (a
-- partitioned table's unique keys must hold the partition key; within a load snapshot_date is one
-- value, so nothing that was unique stops being unique), the foreign key to raw.loads, a DEFAULT
-- partition and one partition per month that has data (raw.<table>_pYYYYMM, in schema raw; BI
-- never reads raw). New months get their partition from raw.ensure_month_partitions(day), called
-- by loads.land and the history generator before they write; a row of a month without one lands
-- in the DEFAULT partition and is moved out when the month's partition is created.
--
-- dbt's views over these tables are dropped and rebuilt by the next `gospubliki dbt build` (as in
-- 0010); the marts are tables and keep their rows. The fact marts (dbt-owned incremental tables)
-- are not partitioned here: dbt replaces or merges them itself and its incremental strategies
-- do not create partitions; partitioning them belongs with the incremental models (issue 10,
-- item 2), where their DDL is written.

create or replace function raw.ensure_month_partitions(
    day date,
    parents text[] default array['vk_pages', 'vk_posts', 'ok_pages', 'ok_posts', 'tg_pages', 'tg_posts']
) returns void
language plpgsql as $$
declare
    parent text;
    lo date := date_trunc('month', day)::date;
    hi date := (date_trunc('month', day) + interval '1 month')::date;
    part text;
begin
    foreach parent in array parents loop
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

do $$
declare
    dependent record;
    t record;
    month date;
begin
    for dependent in
        select distinct v.oid::regclass as view_name, v.relkind
        from pg_depend d
        join pg_rewrite r on r.oid = d.objid
        join pg_class v on v.oid = r.ev_class
        where d.classid = 'pg_rewrite'::regclass
          and d.refobjid in (
              'raw.vk_pages'::regclass, 'raw.vk_posts'::regclass,
              'raw.ok_pages'::regclass, 'raw.ok_posts'::regclass,
              'raw.tg_pages'::regclass, 'raw.tg_posts'::regclass
          )
          and v.oid <> d.refobjid
    loop
        execute format('drop %s if exists %s cascade',
                       case dependent.relkind when 'm' then 'materialized view' else 'view' end, dependent.view_name);
        raise notice 'dropped % (rebuilt by the next dbt build)', dependent.view_name;
    end loop;

    for t in
        select * from (values
            ('vk_pages', 'page_key'), ('vk_posts', 'group_id, post_id'),
            ('ok_pages', 'page_key'), ('ok_posts', 'group_id, post_id'),
            ('tg_pages', 'page_key'), ('tg_posts', 'channel_id, post_id')
        ) as v(name, key)
    loop
        continue when (select relkind from pg_class where oid = format('raw.%I', t.name)::regclass) = 'p';
        execute format('create table raw.%I (like raw.%I including defaults including constraints including comments
                                             including storage including compression) partition by range (snapshot_date)',
                       t.name || '_new', t.name);
        execute format('alter table raw.%I add constraint %I primary key (load_id, snapshot_date, %s)',
                       t.name || '_new', t.name || '_pk', t.key);
        execute format('alter table raw.%I add constraint %I foreign key (load_id) references raw.loads (load_id) on delete cascade',
                       t.name || '_new', t.name || '_load_fk');
        execute format('create table raw.%I partition of raw.%I default', t.name || '_pdefault', t.name || '_new');
        execute format('insert into raw.%I select * from raw.%I', t.name || '_new', t.name);
        execute format('drop table raw.%I', t.name);
        execute format('alter table raw.%I rename to %I', t.name || '_new', t.name);
    end loop;

    -- a partition per month that has rows (moved out of the DEFAULT partition)
    for month in
        select distinct date_trunc('month', snapshot_date)::date from raw.loads order by 1
    loop
        perform raw.ensure_month_partitions(month);
    end loop;
end
$$;

comment on function raw.ensure_month_partitions(date, text[]) is
    'Creates the month''s partition of every raw network table (rows of that month in the DEFAULT partition move into it)';
