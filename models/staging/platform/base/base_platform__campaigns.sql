with

source as (

    select * from {{ source('platform', 'campaigns') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as (

    select
        nullif(campaign_id, '') as campaign_id,
        nullif(account_id, '') as account_id,
        nullif(name, '') as name,
        nullif(lower(trim(campaign_type)), '') as campaign_type,
        nullif(keyword, '') as keyword,
        nullif(lower(trim(status)), '') as status,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('launched_at') }} as launched_at,
        {{ parse_utc_timestamp('ended_at') }} as ended_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        nullif(created_at, '') as raw_created_at,
        nullif(launched_at, '') as raw_launched_at,
        nullif(ended_at, '') as raw_ended_at,
        nullif(updated_at, '') as raw_updated_at,
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
            when typed.account_id is null
                then 'missing_required|account_id is missing'
            when typed.name is null
                then 'missing_required|name is missing'
            when typed.campaign_type is null
                then 'missing_required|campaign_type is missing'
            when typed.raw_created_at is null
                then 'missing_required|created_at is missing'
            when typed.raw_created_at is not null and typed.created_at is null
                then 'bad_timestamp|created_at is not an ISO-8601 timestamp: '''
                    || typed.raw_created_at || ''''
            when typed.raw_launched_at is not null and typed.launched_at is null
                then 'bad_timestamp|launched_at is not an ISO-8601 timestamp: '''
                    || typed.raw_launched_at || ''''
            when typed.raw_ended_at is not null and typed.ended_at is null
                then 'bad_timestamp|ended_at is not an ISO-8601 timestamp: '''
                    || typed.raw_ended_at || ''''
            when typed.raw_updated_at is not null and typed.updated_at is null
                then 'bad_timestamp|updated_at is not an ISO-8601 timestamp: '''
                    || typed.raw_updated_at || ''''
            when typed.campaign_type not in ('standard', 'keyword')
                then 'unknown_enum|campaign_type is not one of standard/keyword: '''
                    || typed.campaign_type || ''''
            when valid_accounts.account_id is null
                then 'unknown_account|account_id is not a valid account: '''
                    || typed.account_id || ''''
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id

),

final as (

    select
        campaign_id,
        account_id,
        name,
        campaign_type,
        keyword,
        status,
        created_at,
        launched_at,
        ended_at,
        updated_at,
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
