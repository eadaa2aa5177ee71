with

base as (

    select * from {{ ref('base_platform__deals') }}

),

versions as (

    {{ latest_valid_versions('base', 'deal_id') }}

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
