with

source as (

    select * from {{ source('platform', 'campaigns') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as {{ materialized_cte() }} (

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
            {{ reject_missing_required('campaigns', parsed=['created_at']) }}
            {{ reject_bad_timestamp('created_at') }}
            {{ reject_bad_timestamp('launched_at') }}
            {{ reject_bad_timestamp('ended_at') }}
            {{ reject_bad_timestamp('updated_at') }}
            when typed.campaign_type not in ('standard', 'keyword')
                then 'unknown_enum|campaign_type is not one of standard/keyword: '''
                    || typed.campaign_type || ''''
            {{ reject_unknown_account() }}
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
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
