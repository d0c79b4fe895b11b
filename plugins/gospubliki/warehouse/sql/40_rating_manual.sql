-- Manual (expert) criteria of the rating methodologies: points per methodology, entity, period and
-- criterion, imported from CSV by gospubliki.reports.manual.import_manual_scores (which checks every
-- row against the methodology seeds in dbt_project/seeds/rating_*.csv and keeps rejects with reasons).
-- dbt reads the scores through source('rating_manual', 'scores') and merges them with the computed
-- criteria (models/marts/rating). Idempotent: applied by warehouse.db.apply_schema().

create table if not exists registry.rating_manual_imports (
    import_id     bigserial primary key,
    source_file   text not null,
    rows_total    integer not null default 0,
    rows_loaded   integer not null default 0,
    rows_rejected integer not null default 0,
    imported_at   timestamptz not null default now()
);

-- One row per (methodology, entity, period, criterion): a later import of the same key replaces
-- the points (imported_at moves, so the next dbt build recomputes that period); other keys stay.
create table if not exists registry.rating_manual_scores (
    methodology_code text not null,             -- rating_methodologies.methodology_code
    entity_id        text not null references reference.municipalities (municipality_id),
    period_start     date not null,             -- Monday of the ISO week or 1st of the month
    criterion_code   text not null,             -- a manual criterion of that methodology
    points           numeric(8, 2) not null check (points >= 0),
    comment          text,
    import_id        bigint not null references registry.rating_manual_imports (import_id),
    imported_at      timestamptz not null default now(),
    primary key (methodology_code, period_start, entity_id, criterion_code)
);

create table if not exists registry.rating_manual_rejects (
    import_id   bigint not null references registry.rating_manual_imports (import_id),
    row_number  integer not null,               -- 1-based data row in the CSV (header excluded)
    raw_row     jsonb not null,
    reason      text not null,
    primary key (import_id, row_number)
);
