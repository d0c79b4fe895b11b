-- Issue #10 (storage per national day): fct_page_daily's page-day goes from 263 to 210 bytes.
--
-- * page_day_id, the text '<page_key>/<snapshot_date>' (29 bytes), is no longer stored: a row is
--   identified by (page_key, snapshot_date), which the unique index and a dbt test already
--   hold. The model no longer writes it, and the NOT NULL the contract gave it would fail the
--   first daily insert of an existing warehouse: it is dropped here.
-- * members_count, posts_7d, posts_with_views_7d and posts_with_interactions_7d become integer:
--   subscribers are capped by the quarantine (GOSPUBLIKI_MAX_MEMBERS, at most 2^31 - 1), the
--   others count posts. The models downstream declare them integer in their contracts, which
--   dbt checks against what the model's query returns from this table: the types must change
--   here too (one rewrite of the table). The sums of post counters stay bigint.
-- * Only a new table gets the columns in their new order (by width, no alignment padding): a
--   full refresh, or by hand while raw months are archived (docs/operations.md, «Storage»).
--
-- Views on the table (dbt's page_compliance) would block both changes: they are dropped and
-- rebuilt by the next `gospubliki dbt build`, as in migration 0010 (dbt owns them; views hold no
-- data). A warehouse without marts yet has nothing to change.
do $$
declare
    dependent record;
    target record;
begin
    if to_regclass('marts.fct_page_daily') is null then
        return;
    end if;
    for dependent in
        select distinct v.oid::regclass as view_name, v.relkind
        from pg_depend d
        join pg_rewrite r on r.oid = d.objid
        join pg_class v on v.oid = r.ev_class
        where d.classid = 'pg_rewrite'::regclass
          and d.refobjid = 'marts.fct_page_daily'::regclass
          and v.oid <> d.refobjid
    loop
        execute format(
            'drop %s if exists %s cascade',
            case dependent.relkind when 'm' then 'materialized view' else 'view' end,
            dependent.view_name
        );
        raise notice 'dropped % (rebuilt by the next dbt build)', dependent.view_name;
    end loop;
    alter table marts.fct_page_daily drop column if exists page_day_id;
    -- whichever of them the table has (a warehouse's older fact may lack a newer column)
    for target in
        select column_name
        from information_schema.columns
        where table_schema = 'marts' and table_name = 'fct_page_daily' and data_type = 'bigint'
          and column_name in ('members_count', 'posts_7d', 'posts_with_views_7d', 'posts_with_interactions_7d')
    loop
        execute format('alter table marts.fct_page_daily alter column %I type integer', target.column_name);
    end loop;
end
$$;
