with

base as (

    select * from {{ ref('base_platform__inboxes') }}

),

versions as (

    {{ latest_valid_versions('base', 'inbox_id', updated_at='updated_at') }}

),

final as (

    select
        inbox_id,
        account_id,
        name as inbox_name,
        inbox_type,
        owner_user_id,
        created_at,
        updated_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
