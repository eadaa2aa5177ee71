{#- A table on every engine (DuckDB keeps most staging models as views): six models and two
    tests read it, and each computed the view's parsing, checks and ranking again. -#}
{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__opt_events') }}

),

versions as (

    {{ latest_valid_versions('base', 'opt_event_id') }}

),

final as (

    select
        opt_event_id,
        account_id,
        contact_id,
        direction,
        method,
        occurred_at,
        campaign_id,
        enrollment_id,
        message_id,
        user_id,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
