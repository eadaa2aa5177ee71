{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__calls') }}

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
            partition by call_id
            order by _export_date desc, _file_path desc, _row_number desc
        ) as version_rank
    from valid_rows

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
