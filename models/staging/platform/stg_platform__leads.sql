with

base as (

    select * from {{ ref('base_platform__leads') }}

),

versions as (

    {{ latest_valid_versions('base', 'lead_id') }}

),

final as (

    select
        lead_id,
        account_id,
        contact_id,
        created_at,
        channel,
        campaign_id,
        message_id,
        call_id,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
