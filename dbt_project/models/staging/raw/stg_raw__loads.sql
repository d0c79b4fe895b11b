with

source as (

    select * from {{ source('raw', 'loads') }}

),

renamed as (

    select
        ---------- ids
        load_id,
        source as network,
        status as load_status,

        ---------- numerics
        rows as row_count,
        requests as request_count,
        extract_seconds,
        load_seconds,

        ---------- booleans
        status = 'validated' as is_validated,

        ---------- dates
        snapshot_date,

        ---------- timestamps
        observed_at,
        started_at,
        loaded_at,
        finished_at,

        ---------- details
        details

    from source

)

select * from renamed
