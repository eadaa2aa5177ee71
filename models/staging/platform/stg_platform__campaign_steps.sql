with

base as (

    select * from {{ ref('base_platform__campaign_steps') }}

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
            partition by campaign_id, step_number
            order by _export_date desc, _file_path desc, _row_number desc
        ) as version_rank
    from valid_rows

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
