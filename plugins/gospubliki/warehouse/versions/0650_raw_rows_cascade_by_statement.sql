-- The raw network tables lose their per-row foreign key to raw.loads; deleting a load still takes
-- its rows with it, by one statement-level trigger (issue 10, item 4: loads at COPY speed).
--
-- Why: the foreign key ran one lookup of raw.loads (with a row lock) for every row landed; on a
-- national day (89 000 pages + 48 000 posts) that is ≈ 0.6 s of the server's ≈ 1.9 s CPU for the
-- whole load, more than psql's \copy of the same rows costs altogether beyond parsing
-- (docs/benchmarks.md), and the history generator paid it for every generated row. What it
-- guarded is kept by construction: loads.land inserts the raw.loads row in the transaction that
-- COPYs the rows (so a row's load always exists), the history generator registers its loads the
-- same way, and staging reads only rows of validated loads (joined to raw.loads), so a row of no
-- load would never be read. ON DELETE CASCADE becomes the trigger below: one DELETE per table for
-- all the loads a statement deleted. raw.quarantine (small) keeps its foreign key.

create or replace function raw.delete_rows_of_deleted_loads() returns trigger
language plpgsql as $$
declare
    t text;
begin
    foreach t in array array['vk_pages', 'vk_posts', 'ok_pages', 'ok_posts', 'tg_pages', 'tg_posts'] loop
        execute format('delete from raw.%I where load_id in (select load_id from deleted_loads)', t);
    end loop;
    return null;
end
$$;

comment on function raw.delete_rows_of_deleted_loads() is
    'ON DELETE CASCADE of raw.loads for the raw network tables (migration 0650): their rows go with their load';

drop trigger if exists loads_delete_raw_rows on raw.loads;
create trigger loads_delete_raw_rows
    after delete on raw.loads
    referencing old table as deleted_loads
    for each statement execute function raw.delete_rows_of_deleted_loads();

-- every foreign key of those tables to raw.loads, whatever its name (the partitions' copies go
-- with their parent's)
do $$
declare
    fk record;
begin
    for fk in
        select k.conrelid::regclass as tab, k.conname
        from pg_constraint k
        where k.contype = 'f' and k.confrelid = 'raw.loads'::regclass and k.conparentid = 0
          and k.conrelid in ('raw.vk_pages'::regclass, 'raw.vk_posts'::regclass, 'raw.ok_pages'::regclass,
                             'raw.ok_posts'::regclass, 'raw.tg_pages'::regclass, 'raw.tg_posts'::regclass)
    loop
        execute format('alter table %s drop constraint %I', fk.tab, fk.conname);
    end loop;
end
$$;
