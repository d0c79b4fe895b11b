-- Telegram username resolves per account and Moscow day: the budget a real account can bear is a
-- daily one (flood waits of many hours follow bursts of resolves: docs/operations.md, «Telegram:
-- the first week»). Every resolve sent — by the resolve job (`gospubliki telegram resolve`, the
-- gospubliki_tg_resolve DAG) or by a daily extraction — is counted here, committed with the
-- cache row it produced, so a run killed mid-way loses at most the resolve in flight and the
-- next run neither repeats a username nor exceeds the day's budget.
create table if not exists raw.tg_resolve_budget (
    account   text    not null,
    day       date    not null,                  -- the Moscow day the resolves were sent
    resolves  integer not null default 0 check (resolves >= 0),
    primary key (account, day)
);
comment on table raw.tg_resolve_budget is
    'ResolveUsername requests sent per Telegram account and Moscow day (the daily resolve budget)';
