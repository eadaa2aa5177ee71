with

base as (

    select * from {{ ref('base_platform__phone_numbers') }}

),

versions as (

    {{ latest_valid_versions('base', 'phone_number_id', updated_at='updated_at') }}

),

final as (

    select
        phone_number_id,
        account_id,
        e164,
        friendly_name,
        inbox_id,
        number_type,
        is_tracking_number,
        created_at,
        updated_at,
        released_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
