with

source as (

    select * from {{ source('platform', 'campaign_senders') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(campaign_id, '') as campaign_id,
        nullif(user_id, '') as user_id,
        {{ parse_utc_timestamp('added_at') }} as added_at,
        {{ parse_utc_timestamp('removed_at') }} as removed_at,
        nullif(added_at, '') as raw_added_at,
        nullif(removed_at, '') as raw_removed_at,
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from source

),

checked as (

    select
        typed.*,
        case
            {{ reject_missing_required('campaign_senders', parsed=['added_at']) }}
            {{ reject_bad_timestamp('added_at') }}
            {{ reject_bad_timestamp('removed_at') }}
        end as rejection
    from typed

),

final as (

    select
        campaign_id,
        user_id,
        added_at,
        removed_at,
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
