with

base as (

    select * from {{ ref('base_platform__users') }}

),

versions as (

    {{ latest_valid_versions('base', 'user_id', updated_at='updated_at') }}

),

final as (

    select
        user_id,
        account_id,
        full_name,
        role,
        created_at,
        updated_at,
        deactivated_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
