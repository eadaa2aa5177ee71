with

base as (

    select * from {{ ref('base_platform__campaign_senders') }}

),

versions as (

    {{ latest_valid_versions('base', 'campaign_id, user_id, added_at') }}

),

final as (

    select
        campaign_id,
        user_id,
        added_at,
        removed_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
