{#
    Which calendar days each network's validated loads cover, and which all of them do: a load of
    snapshot date D reads the posts of the var('window_days') days ending on D, so day X is covered
    when a validated load of the network has D in X … X + window_days − 1. Network 'all': the days
    covered by every network of var('networks') that covers any day of that ISO week (a network
    not collected at all does not make every week partial). Weekly marts count these days per
    week (days_covered of 7, is_partial_week); a week built from one day's load shows 1 of 7.
#}
with

loads as (

    select * from {{ ref('stg_raw__loads') }}
    where
        is_validated
        and network in ({% for network in var('networks') %}'{{ network }}'{{ ", " if not loop.last }}{% endfor %})

),

by_network as (

    select distinct
        loads.network,
        (loads.snapshot_date - day_offsets.day_offset)::date as covered_date

    from loads
    cross join generate_series(0, {{ var('window_days') }} - 1) as day_offsets (day_offset)

),

networks_in_week as (

    select
        date_trunc('week', covered_date)::date as week_start_date,
        count(distinct network) as network_count

    from by_network
    group by 1

),

by_all_networks as (

    select
        'all'::text as network,
        by_network.covered_date

    from by_network
    inner join networks_in_week
        on date_trunc('week', by_network.covered_date)::date = networks_in_week.week_start_date
    group by by_network.covered_date, networks_in_week.network_count
    having count(*) = networks_in_week.network_count

),

final as (

    select
        network,
        covered_date,
        date_trunc('week', covered_date)::date as week_start_date

    from by_network

    union all

    select
        network,
        covered_date,
        date_trunc('week', covered_date)::date as week_start_date

    from by_all_networks

)

select * from final
