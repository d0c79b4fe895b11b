-- Row-level quarantine (warehouse/quarantine.py): rows of a load that were not published as
-- received, with their reason. Filled at landing, in the transaction of the load's COPY.
-- A new table: an upgrade changes no existing row.
create table if not exists raw.quarantine (
    load_id         bigint not null references raw.loads (load_id) on delete cascade,
    source          text not null,              -- the load's network (raw.loads.source)
    table_name      text not null,              -- the raw table the row was meant for, e.g. 'raw.vk_posts'
    row_number      integer not null,           -- 1-based position of the row in the extracted batch
    row_key         jsonb not null,             -- the table's key without load_id, e.g. {"group_id": 1, "post_id": 7}
    reason          text not null,              -- members_count_out_of_range | negative_counter | posted_in_future
                                                -- | posted_after_snapshot_day | duplicate
    detail          text,                       -- the offending value, e.g. 'likes = -3'
    counted         boolean not null,           -- counts toward the load's quarantined share
    action          text not null check (action in ('withheld', 'value_nulled')),
                                                -- withheld: the row was not published; value_nulled: the row was
                                                -- published with the implausible value set to null
    row_data        jsonb not null,             -- the row as received
    quarantined_at  timestamptz not null default now(),
    primary key (load_id, table_name, row_number)
);
create index if not exists quarantine_reason_idx on raw.quarantine (load_id, reason);
