-- Issue #10 (incremental marts read only the dates they process): page_alerts_daily finds the
-- snapshot dates to process from max(source_processed_at) of itself; without an index on that
-- column every daily build read the whole mart. dbt creates the index (config `indexes`) when it
-- creates the table; this adds it to the mart of an existing warehouse (a full refresh re-creates
-- the table with dbt's own index).
do $$
begin
    if to_regclass('marts.page_alerts_daily') is not null then
        create index if not exists page_alerts_daily_source_processed_at_incr_idx
            on marts.page_alerts_daily (source_processed_at);
    end if;
end
$$;
