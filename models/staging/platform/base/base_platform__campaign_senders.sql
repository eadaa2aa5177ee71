with

source as (

    select * from {{ source('platform', 'campaign_senders') }}

),

typed as (

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
            when typed.campaign_id is null
                then 'missing_required|campaign_id is missing'
            when typed.user_id is null
                then 'missing_required|user_id is missing'
            when typed.raw_added_at is null
                then 'missing_required|added_at is missing'
            when typed.raw_added_at is not null and typed.added_at is null
                then 'bad_timestamp|added_at is not an ISO-8601 timestamp: '''
                    || typed.raw_added_at || ''''
            when typed.raw_removed_at is not null and typed.removed_at is null
                then 'bad_timestamp|removed_at is not an ISO-8601 timestamp: '''
                    || typed.raw_removed_at || ''''
        end as rejection
    from typed

),

final as (

    select
        campaign_id,
        user_id,
        added_at,
        removed_at,
        {{ dbt.split_part('rejection', "'|'", 1) }} as reject_reason,
        substr(rejection, {{ dbt.position("'|'", 'rejection') }} + 1) as reject_detail,
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
