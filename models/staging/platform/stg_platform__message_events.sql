{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__message_events') }}

),

versions as (

    {{ latest_valid_versions('base', 'event_id') }}

),

final as (

    select
        event_id,
        message_id,
        status,
        occurred_at,
        error_code,
        attempt,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
