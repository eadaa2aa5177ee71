{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__link_clicks') }}

),

versions as (

    {{ latest_valid_versions('base', 'click_id') }}

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
