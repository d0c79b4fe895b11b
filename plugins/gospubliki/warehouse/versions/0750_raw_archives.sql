-- Issue #10 (≤ 40 MB a national day): raw rows leave the warehouse after their retention. A month
-- partition of a raw network table (migration 0300) is written to a gzip'd CSV file outside the
-- warehouse and dropped (warehouse/archive.py); this table is the record of every such file, so
-- that `gospubliki warehouse restore-raw` can bring the rows back, a load of an archived month is
-- refused, and a dbt full refresh (which would rebuild the marts without them) stops first.
create table if not exists audit.raw_archives (
    table_name   text        not null,  -- the parent: raw.vk_pages …
    month        date        not null,  -- first day of the partition's month
    file         text        not null,  -- relative to GOSPUBLIKI_ARCHIVE_DIR
    rows         bigint      not null,
    bytes        bigint      not null,
    sha256       text        not null,
    archived_at  timestamptz not null default now(),
    primary key (table_name, month)
);

comment on table audit.raw_archives is
    'Raw month partitions archived out of the warehouse (gzip CSV files under GOSPUBLIKI_ARCHIVE_DIR); docs/operations.md «Storage and retention»';
