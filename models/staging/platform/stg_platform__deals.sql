with

base as (

    select * from {{ ref('base_platform__deals') }}

),

valid_rows as (

    select * from base
    where reject_reason is null

),

versions as (

    select
        *,
        -- the latest export, file and row wins (exact repeats collapse)
        row_number() over (
            partition by deal_id
            order by _export_date desc, _file_path desc, _row_number desc
        ) as version_rank
    from valid_rows

),

final as (

    select
        deal_id,
        lead_id,
        account_id,
        closed_at,
        amount,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
