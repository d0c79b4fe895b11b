-- OK (Одноклассники) raw tables, applied after schema.sql (gospubliki.warehouse.migrations).
-- Columns mirror raw.vk_pages / raw.vk_posts as far as OK has the notion; the API JSON is kept.

-- Group attributes as observed on the snapshot date (group.getInfo). Skipped pages are rows too.
create table if not exists raw.ok_pages (
    load_id          bigint not null references raw.loads (load_id) on delete cascade,
    snapshot_date    date not null,
    page_key         text not null,              -- 'ok:57123456789012' | 'ok:kirovadm'
    group_id         bigint,                     -- OK group id (uid)
    screen_name      text,                       -- OK short name ('shortname'), null when none
    name             text,
    members_count    integer,
    is_verified      boolean,                    -- the «Госорганизация» mark (gos_org)
    access_type      text,                       -- OPEN | CLOSED (as the API says)
    is_blocked       boolean,                    -- blocked by OK
    has_description  boolean,
    has_cover        boolean,
    has_avatar       boolean,
    fetch_status     text not null,              -- ok | deactivated | private | not_found | error
    error_reason     text,
    payload          jsonb,
    primary key (load_id, page_key)
);

-- Topics ("media topics") of the last N days (default 7) as re-read on the snapshot date.
create table if not exists raw.ok_posts (
    load_id        bigint not null references raw.loads (load_id) on delete cascade,
    snapshot_date  date not null,
    page_key       text not null,
    group_id       bigint not null,
    post_id        bigint not null,              -- topic id
    posted_at      timestamptz not null,         -- created_ms
    views          integer,                      -- views_count, absent for some topics
    likes          integer not null,             -- like_summary.count
    reposts        integer not null,             -- reshare_summary.count
    comments       integer not null,             -- discussion_summary.comments_count
    text           text,                         -- the topic's text media, joined
    payload        jsonb,
    primary key (load_id, group_id, post_id)
);

-- OK short names resolved to group ids (url.getInfo), so a daily run resolves only new names.
-- A cache, not a load: outside raw.ok_* (whose rows belong to loads) and kept across imports.
create table if not exists registry.ok_resolved_names (
    short_name   text primary key,               -- registry.pages.page_ref of an 'ok:<name>' page
    group_id     bigint not null,
    resolved_at  timestamptz not null default now()
);
