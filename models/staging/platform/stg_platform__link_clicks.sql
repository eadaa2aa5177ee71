{{
    config(
        materialized='incremental',
        unique_key='click_id',
        on_schema_change='fail',
    )
}}

{#-
    Incremental: stages again only the click_ids with a row loaded since the last build (less
    incremental_load_margin_minutes), every version of each, parsed from their raw rows only; see staged_base_rows. An
    incremental build equals a full one
    (orchestration_tests/test_incremental_equivalence.py).
-#}

with

base as (

    {{ staged_base_rows(base_link_clicks, 'link_clicks', 'click_id') }}

),

repeated_keys as (

    {{ repeated_valid_keys('base', 'click_id') }}

),

versions as (

    {{ latest_valid_versions('base', 'click_id', repeated='repeated_keys') }}

),

final as (

    select
        click_id,
        message_id,
        link_id,
        url,
        clicked_at,
        user_agent,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
