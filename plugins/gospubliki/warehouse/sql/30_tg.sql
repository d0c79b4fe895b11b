-- Telegram raw tables (applied after schema.sql by warehouse.migrations; idempotent).
--
--   raw.tg_pages          one row per registry Telegram page per load (skipped ones included)
--   raw.tg_posts          channel posts of the window as re-read on the snapshot date (albums = one post)
--   raw.tg_channel_cache  per account: channel id + access hash of each resolved username
--                         (access hashes are per account; daily runs resolve no cached username)
--   raw.tg_flood_waits    every FLOOD_WAIT seen, per (account, request type), until when it holds
--
-- The last two carry no load_id: they are state kept across loads, not rows of a load
-- (warehouse.loads.raw_tables_of() only lists tables with a load_id column).
--
-- Mapping from Telegram to the VK-shaped columns: participants_count -> members_count,
-- about -> has_description, photo -> has_avatar; for a post: reactions (sum of every reaction
-- count) -> likes, forwards -> reposts, replies (comments in the linked discussion) -> comments.

create table if not exists raw.tg_pages (
    load_id            bigint not null references raw.loads (load_id) on delete cascade,
    snapshot_date      date not null,
    page_key           text not null,             -- 'tg:<username>'
    channel_id         bigint,
    username           text,
    title              text,
    members_count      integer,                   -- ChannelFull.participants_count
    is_verified        boolean,                   -- Telegram's verification tick (not «Госорганизация»)
    restriction_reason text,                      -- 'terms: …' for channels blocked on every platform
    has_description    boolean,                   -- ChannelFull.about is not blank
    has_avatar         boolean,                   -- the channel has a photo
    account            text,                      -- the account that read it (a name, never the session)
    fetch_status       text not null,             -- ok | deactivated | private | not_found | error
    error_reason       text,
    payload            jsonb,                     -- the mapped fields as read from the API
    primary key (load_id, page_key)
);

create table if not exists raw.tg_posts (
    load_id        bigint not null references raw.loads (load_id) on delete cascade,
    snapshot_date  date not null,
    page_key       text not null,
    channel_id     bigint not null,
    post_id        bigint not null,               -- message id; an album's first (lowest) message id
    grouped_id     bigint,                        -- album id (null for a single message)
    message_count  integer not null default 1,    -- messages in the album
    posted_at      timestamptz not null,
    is_pinned      boolean not null default false,
    views          integer,                       -- max over the album's messages
    likes          integer not null,              -- sum of reaction counts over the album
    reposts        integer not null,              -- forwards, max over the album's messages
    comments       integer not null,              -- replies, summed over the album
    text           text,
    payload        jsonb,
    primary key (load_id, channel_id, post_id)
);

-- status 'ok': a resolved channel; 'not_found': the username resolved to nothing readable
-- (not occupied, a user, …) — kept so it is not resolved every day (tried again after a week).
create table if not exists raw.tg_channel_cache (
    account      text not null,                   -- account name (the session itself is a secret)
    channel_id   bigint,
    access_hash  bigint,                          -- valid for this account only
    username     text not null,                   -- as in registry.pages.page_ref (lower case)
    resolved_at  timestamptz not null default now(),
    status       text not null default 'ok' check (status in ('ok', 'not_found')),
    error_reason text,
    primary key (account, username),
    check (status <> 'ok' or (channel_id is not null and access_hash is not null))
);

create table if not exists raw.tg_flood_waits (
    account       text not null,
    request_type  text not null,                  -- e.g. 'GetHistoryRequest', 'ResolveUsernameRequest'
    wait_seconds  integer not null check (wait_seconds >= 0),
    until_at      timestamptz not null,           -- the account sends no such request before this
    recorded_at   timestamptz not null default now(),
    snapshot_date date                            -- the run that met it
);
create index if not exists tg_flood_waits_until_idx on raw.tg_flood_waits (account, request_type, until_at);
