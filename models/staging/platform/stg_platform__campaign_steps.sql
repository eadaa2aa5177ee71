with

base as (

    select * from {{ ref('base_platform__campaign_steps') }}

),

versions as (

    {{ latest_valid_versions('base', 'campaign_id, step_number') }}

),

final as (

    select
        campaign_id,
        step_number,
        template_id,
        delay_minutes,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
