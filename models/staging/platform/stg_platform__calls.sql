{{
    config(
        materialized='incremental',
        unique_key='call_id',
        on_schema_change='fail',
    )
}}

{#-
    Incremental: stages again only the call_ids with a row loaded since the last build (less
    incremental_load_margin_minutes) or whose owner is new or moved since, every version of
    each; see staged_base_rows. An incremental build equals a full one
    (orchestration_tests/test_incremental_equivalence.py).
-#}

with

base as (

    {{ staged_base_rows(base_calls, 'calls', 'call_id', owners=['account', 'campaign']) }}

),

repeated_keys as (

    {{ repeated_valid_keys('base', 'call_id') }}

),

versions as (

    {{ latest_valid_versions('base', 'call_id', repeated='repeated_keys') }}

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
