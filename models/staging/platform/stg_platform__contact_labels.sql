with

base as (

    select * from {{ ref('base_platform__contact_labels') }}

),

versions as (

    {{ latest_valid_versions('base', 'event_id') }}

),

final as (

    select
        event_id,
        account_id,
        contact_id,
        label_id,
        action,
        user_id,
        occurred_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
