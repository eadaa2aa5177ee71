with

source as (

    select * from {{ source('platform', 'labels') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as (

    select
        nullif(label_id, '') as label_id,
        nullif(account_id, '') as account_id,
        nullif(name, '') as name,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        {{ parse_utc_timestamp('deleted_at') }} as deleted_at,
        nullif(created_at, '') as raw_created_at,
        nullif(updated_at, '') as raw_updated_at,
        nullif(deleted_at, '') as raw_deleted_at,
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
            when typed.label_id is null
                then 'missing_required|label_id is missing'
            when typed.account_id is null
                then 'missing_required|account_id is missing'
            when typed.name is null
                then 'missing_required|name is missing'
            when typed.raw_created_at is not null and typed.created_at is null
                then 'bad_timestamp|created_at is not an ISO-8601 timestamp: '''
                    || typed.raw_created_at || ''''
            when typed.raw_updated_at is not null and typed.updated_at is null
                then 'bad_timestamp|updated_at is not an ISO-8601 timestamp: '''
                    || typed.raw_updated_at || ''''
            when typed.raw_deleted_at is not null and typed.deleted_at is null
                then 'bad_timestamp|deleted_at is not an ISO-8601 timestamp: '''
                    || typed.raw_deleted_at || ''''
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
        label_id,
        account_id,
        name,
        created_at,
        updated_at,
        deleted_at,
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
