with

base as (

    select * from {{ ref('base_platform__campaigns') }}

),

versions as (

    {{ latest_valid_versions('base', 'campaign_id', updated_at='updated_at') }}

),

final as (

    select
        campaign_id,
        account_id,
        name as campaign_name,
        campaign_type,
        keyword,
        status,
        created_at,
        launched_at,
        ended_at,
        updated_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
