{{
    config(
        materialized='incremental',
        unique_key='message_id',
        on_schema_change='fail',
    )
}}

{#-
    Incremental: stages again only the message_ids with a row loaded since the last build (less
    incremental_load_margin_minutes) or whose owner is new or moved since, every version of
    each; see staged_base_rows. An incremental build equals a full one
    (orchestration_tests/test_incremental_equivalence.py).
-#}

with

base as (

    {{ staged_base_rows(
        base_messages, 'messages', 'message_id', owners=['account', 'campaign', 'enrollment']
    ) }}

),

repeated_keys as (

    {{ repeated_valid_keys('base', 'message_id') }}

),

versions as (

    {{ latest_valid_versions('base', 'message_id', repeated='repeated_keys') }}

),

final as (

    select
        message_id,
        account_id,
        contact_id,
        direction,
        created_at,
        phone_number_id,
        inbox_id,
        user_id,
        campaign_id,
        enrollment_id,
        template_id,
        step_number,
        send_type,
        body,
        coalesce(media_count, 0) as media_count,
        num_segments,
        price,
        price_unit,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
