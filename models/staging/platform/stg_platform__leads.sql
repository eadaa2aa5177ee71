{#- A table on every engine (DuckDB keeps most staging models as views): its base model judges
    each lead's message against all staged messages (cross_account_reference), 0.5 s of CPU a
    read at M, and three models, the load audit and three tests read it (0.4-0.7 s each as a
    view, 0.01-0.2 s as a table; the table costs 0.55 s to write). -#}
{{ config(materialized='table') }}

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
