-- Indexes an incremental build of the daily summaries needs (issue #10): the dates to process
-- are found from max(source_processed_at) of the summary itself, and delete+insert removes the
-- replaced dates by snapshot_date; without these indexes both read the whole mart every day.
-- dbt creates them (config `indexes`) when it creates a summary table; this adds them to the
-- summaries of an existing warehouse (a full refresh re-creates the table with dbt's own ones).
-- The same for the rating marts, replaced per (methodology_code, period_id).
do $$
declare
    mart text;
begin
    foreach mart in array array[
        'national_summary', 'sector_summary', 'sector_region_summary', 'region_summary',
        'municipality_summary'
    ] loop
        if to_regclass('marts.' || mart) is not null then
            execute format('create index if not exists %I on marts.%I (snapshot_date)',
                           mart || '_snapshot_date_incr_idx', mart);
            execute format('create index if not exists %I on marts.%I (source_processed_at)',
                           mart || '_source_processed_at_incr_idx', mart);
        end if;
    end loop;
    foreach mart in array array['municipality_rating', 'municipality_rating_criteria'] loop
        if to_regclass('marts.' || mart) is not null then
            execute format('create index if not exists %I on marts.%I (methodology_code, period_id)',
                           mart || '_period_id_incr_idx', mart);
        end if;
    end loop;
end
$$;
