with

source as (

    select * from {{ source('registry', 'pages') }}

),

renamed as (

    select
        ---------- ids
        page_key,
        institution_id,
        import_id::text as import_id,

        ---------- strings
        network,
        page_ref,
        url as page_url,

        ---------- booleans
        is_connected

    from source

)

select * from renamed
