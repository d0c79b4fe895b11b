-- Issue #10 (storage per national day): engagement_page_weekly and fct_post no longer store the
-- page's name (≈ 95 bytes a row, the latest name at the time of the build: dim_page has it), and
-- engagement_page_weekly no longer stores engagement_page_weekly_id, the text
-- '<page_key>/<ISO week>' (25 bytes): a row is (page_key, week_start_date), which its unique index
-- and a dbt test hold. The models no longer write them; the id's NOT NULL would fail the first
-- insert of an existing warehouse, and a column the model does not write would stay behind,
-- empty in every new row: they are dropped here. New rows no longer carry them; the rows already
-- stored keep their bytes until the table is rewritten (a full refresh, or VACUUM FULL while raw
-- months are archived: docs/operations.md, «Storage and retention»).
--
-- Views on these tables (dbt's or a BI user's) would block the drop: they are dropped and rebuilt
-- by the next `gospubliki dbt build`, as in migrations 0010 and 0850 (dbt owns them; views hold
-- no data). A warehouse without these marts yet has nothing to change.
do $$
declare
    target record;
    dependent record;
begin
    for target in
        select table_name, column_name
        from information_schema.columns
        where table_schema = 'marts'
          and (table_name, column_name) in (('engagement_page_weekly', 'engagement_page_weekly_id'),
                                            ('engagement_page_weekly', 'page_name'),
                                            ('fct_post', 'page_name'))
    loop
        for dependent in
            select distinct v.oid::regclass as view_name, v.relkind
            from pg_depend d
            join pg_rewrite r on r.oid = d.objid
            join pg_class v on v.oid = r.ev_class
            where d.classid = 'pg_rewrite'::regclass
              and d.refobjid = format('marts.%I', target.table_name)::regclass
              and v.oid <> d.refobjid
        loop
            execute format(
                'drop %s if exists %s cascade',
                case dependent.relkind when 'm' then 'materialized view' else 'view' end,
                dependent.view_name
            );
            raise notice 'dropped % (rebuilt by the next dbt build)', dependent.view_name;
        end loop;
        execute format('alter table marts.%I drop column %I', target.table_name, target.column_name);
    end loop;
end
$$;
