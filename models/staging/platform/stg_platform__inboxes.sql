with

base as (

    select * from {{ ref('base_platform__inboxes') }}

),

valid_rows as (

    select * from base
    where reject_reason is null

),

versions as (

    select
        *,
        -- latest updated_at wins; ties: the latest export, file and row
        row_number() over (
            partition by inbox_id
            order by updated_at desc nulls last, _export_date desc, _file_path desc, _row_number desc
        ) as version_rank
    from valid_rows

),

final as (

    select
        inbox_id,
        account_id,
        name as inbox_name,
        inbox_type,
        owner_user_id,
        created_at,
        updated_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
