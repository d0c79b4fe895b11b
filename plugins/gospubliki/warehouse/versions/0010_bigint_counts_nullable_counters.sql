-- Issue 7, items 1 and 8: a value never crashes a load, and «unknown» is not «zero».
--
-- * Counts become bigint: one VK page reporting 10^12 members made the whole day's COPY fail
--   (NumericValueOutOfRange for type integer). Plausibility is judged elsewhere (quarantine);
--   the raw tables store what the API said.
-- * likes / reposts / comments lose NOT NULL: a counter the API did not give is NULL, no longer
--   stored as 0 (views already was nullable).
-- * fetch_status gains the value 'posts_unread' (attributes read, posts not): the column is free
--   text, checked by the Great Expectations suites, so only its comment changes here.
--
-- Views built on these columns (dbt's staging views, and whatever is built on them) would block
-- ALTER COLUMN … TYPE: they are dropped here and rebuilt by the next `gospubliki dbt build`
-- (the daily DAG builds after every extraction). dbt owns them; their definitions live in
-- dbt_project/models and nothing of their data is lost (views hold none).
do $$
declare
    dependent record;
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
        execute format(
            'drop %s if exists %s cascade',
            case dependent.relkind when 'm' then 'materialized view' else 'view' end,
            dependent.view_name
        );
        raise notice 'dropped % (rebuilt by the next dbt build)', dependent.view_name;
    end loop;
end
$$;

alter table raw.vk_pages alter column members_count type bigint;
alter table raw.ok_pages alter column members_count type bigint;
alter table raw.tg_pages alter column members_count type bigint;

alter table raw.vk_posts
    alter column views type bigint,
    alter column likes type bigint,
    alter column reposts type bigint,
    alter column comments type bigint,
    alter column likes drop not null,
    alter column reposts drop not null,
    alter column comments drop not null;

alter table raw.ok_posts
    alter column views type bigint,
    alter column likes type bigint,
    alter column reposts type bigint,
    alter column comments type bigint,
    alter column likes drop not null,
    alter column reposts drop not null,
    alter column comments drop not null;

alter table raw.tg_posts
    alter column views type bigint,
    alter column likes type bigint,
    alter column reposts type bigint,
    alter column comments type bigint,
    alter column likes drop not null,
    alter column reposts drop not null,
    alter column comments drop not null;

comment on column raw.vk_pages.fetch_status is
    'ok | posts_unread (attributes read, wall not) | deactivated | private | not_found | error';
comment on column raw.ok_pages.fetch_status is
    'ok | posts_unread (attributes read, topics not) | deactivated | private | not_found | error';
comment on column raw.tg_pages.fetch_status is
    'ok | posts_unread (attributes read, history not) | deactivated | private | not_found | error';
