{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__calls') }}

),

versions as (

    {{ latest_valid_versions('base', 'call_id') }}

),

final as (

    select
        call_id,
        account_id,
        direction,
        started_at,
        contact_id,
        phone_number_id,
        user_id,
        campaign_id,
        answered_at,
        ended_at,
        status,
        answered_by,
        forwarded_to,
        parent_call_id,
        outcome,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
