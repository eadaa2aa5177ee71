{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__messages') }}

),

versions as (

    {{ latest_valid_versions('base', 'message_id') }}

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
