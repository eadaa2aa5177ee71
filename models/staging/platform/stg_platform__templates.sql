with

base as (

    select * from {{ ref('base_platform__templates') }}

),

versions as (

    {{ latest_valid_versions('base', 'template_id', updated_at='updated_at') }}

),

final as (

    select
        template_id,
        account_id,
        name as template_name,
        body,
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
