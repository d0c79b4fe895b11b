-- When a load's data was read from the network's API. The APIs answer with their present state
-- (members, badges, today's counters of past posts), so this — not snapshot_date — says what
-- moment the numbers describe. Set by warehouse/loads.land (the start of the extraction);
-- NULL for loads landed before this migration (unknown).
alter table raw.loads add column if not exists observed_at timestamptz;
comment on column raw.loads.observed_at is
    'When the extraction began reading the API: the moment the load''s state and counters describe';
