{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__messages') }}

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
            partition by message_id
            order by _export_date desc, _file_path desc, _row_number desc
        ) as version_rank
    from valid_rows

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
