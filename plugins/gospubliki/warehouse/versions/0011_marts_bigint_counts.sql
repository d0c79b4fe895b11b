-- Issue 7: the incremental marts built before 0010 keep integer count columns, and dbt's
-- on_schema_change='append_new_columns' does not widen a column: the first count beyond 2^31
-- (a page with 10^12 members, now landed as a bigint) would fail the daily dbt build. Widen them
-- where the marts exist (a new warehouse has none yet: dbt creates them with the bigint its
-- contracts declare). Only widening: no value changes. The new columns the marts gain
-- (are_posts_read, posts_with_interactions_7d …) are appended by dbt itself.
do $$
declare
    target record;
begin
    for target in
        select c.table_schema, c.table_name, c.column_name
        from information_schema.columns c
        where c.table_schema = 'marts'
          and c.data_type = 'integer'
          and (c.table_name, c.column_name) in (
              ('fct_page_daily', 'members_count'),
              ('page_compliance', 'members_count'),
              ('fct_post', 'view_count'), ('fct_post', 'like_count'), ('fct_post', 'repost_count'),
              ('fct_post', 'comment_count'), ('fct_post', 'interaction_count'),
              ('fct_post', 'page_members_count'),
              ('best_posts_weekly', 'view_count'), ('best_posts_weekly', 'like_count'),
              ('best_posts_weekly', 'repost_count'), ('best_posts_weekly', 'comment_count'),
              ('best_posts_weekly', 'interaction_count')
          )
    loop
        execute format(
            'alter table %I.%I alter column %I type bigint',
            target.table_schema, target.table_name, target.column_name
        );
    end loop;
end
$$;
