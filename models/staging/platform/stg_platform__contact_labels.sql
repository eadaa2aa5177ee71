with

base as (

    select * from {{ ref('base_platform__contact_labels') }}

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
            partition by event_id
            order by _export_date desc, _file_path desc, _row_number desc
        ) as version_rank
    from valid_rows

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
