with

base as (

    select * from {{ ref('base_platform__labels') }}

),

versions as (

    {{ latest_valid_versions('base', 'label_id', updated_at='updated_at') }}

),

final as (

    select
        label_id,
        account_id,
        name as label_name,
        created_at,
        updated_at,
        deleted_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
