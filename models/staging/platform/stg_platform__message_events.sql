{{
    config(
        materialized='incremental',
        unique_key='event_id',
        on_schema_change='fail',
    )
}}

{#-
    Incremental: stages again only the event_ids with a row loaded since the last build (less
    incremental_load_margin_minutes), every version of each, parsed from their raw rows only;
    see staged_base_rows. An incremental build equals a full one
    (orchestration_tests/test_incremental_equivalence.py).
-#}

with

base as (

    {{ staged_base_rows(base_message_events, 'message_events', 'event_id') }}

),

repeated_keys as (

    {{ repeated_valid_keys('base', 'event_id') }}

),

versions as (

    {{ latest_valid_versions('base', 'event_id', repeated='repeated_keys') }}

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
