-- Issue #10 (a daily build that does not slow down with history): the unique indexes of the
-- page-grain marts were led by page_key, so a day's 89 000 new entries landed next to each page's
-- older ones, all over the index: every daily insert dirtied almost every leaf page (4.7 s and
-- 280 MB of WAL per mart at 90 national days, growing with history). Led by the date, a day's
-- entries are appended at the end of the index. dbt creates the new indexes (config `indexes`)
-- when it creates these tables; this replaces the old ones of an existing warehouse, whatever
-- dbt named them. page_alerts_daily no longer asks fct_page_daily by page_key
-- (intermediate.int_page_first_seen).
do $$
declare
    mart record;
    old_index regclass;
begin
    for mart in
        select * from (values
            ('fct_page_daily', 'snapshot_date'),
            ('fct_page_compliance', 'snapshot_date'),
            ('engagement_page_weekly', 'week_start_date')
        ) as marts (name, date_column)
    loop
        if to_regclass('marts.' || mart.name) is null then
            continue;
        end if;
        -- the index on exactly (page_key, <date>), by its columns: dbt names indexes by a hash
        for old_index in
            select index_.indexrelid::regclass
            from pg_index as index_
            where
                index_.indrelid = ('marts.' || mart.name)::regclass
                and index_.indnatts = 2
                and index_.indkey[0] = (select attnum from pg_attribute
                                        where attrelid = index_.indrelid and attname = 'page_key')
                and index_.indkey[1] = (select attnum from pg_attribute
                                        where attrelid = index_.indrelid and attname = mart.date_column)
        loop
            execute format('create unique index if not exists %I on marts.%I (%I, page_key)',
                           mart.name || '_' || mart.date_column || '_page_key_uidx',
                           mart.name, mart.date_column);
            execute format('drop index %s', old_index);
        end loop;
    end loop;
end
$$;
