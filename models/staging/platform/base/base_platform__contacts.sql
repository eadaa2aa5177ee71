with

source as (

    select * from {{ source('platform', 'contacts') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as (

    select
        nullif(contact_id, '') as contact_id,
        nullif(account_id, '') as account_id,
        {{ normalize_phone_e164('phone') }} as phone,
        nullif(first_name, '') as first_name,
        nullif(last_name, '') as last_name,
        nullif(email, '') as email,
        nullif(lower(trim(source)), '') as source,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        {{ parse_utc_timestamp('deleted_at') }} as deleted_at,
        phone as phone_as_entered,
        nullif(phone, '') as raw_phone,
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
            when typed.contact_id is null
                then 'missing_required|contact_id is missing'
            when typed.account_id is null
                then 'missing_required|account_id is missing'
            when typed.raw_phone is null
                then 'missing_required|phone is missing'
            when typed.raw_created_at is null
                then 'missing_required|created_at is missing'
            when typed.raw_created_at is not null and typed.created_at is null
                then 'bad_timestamp|created_at is not an ISO-8601 timestamp: '''
                    || typed.raw_created_at || ''''
            when typed.raw_updated_at is not null and typed.updated_at is null
                then 'bad_timestamp|updated_at is not an ISO-8601 timestamp: '''
                    || typed.raw_updated_at || ''''
            when typed.raw_deleted_at is not null and typed.deleted_at is null
                then 'bad_timestamp|deleted_at is not an ISO-8601 timestamp: '''
                    || typed.raw_deleted_at || ''''
            when typed.raw_phone is not null and typed.phone is null
                then 'bad_phone|phone is not a phone number: ''' || typed.raw_phone || ''''
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
        contact_id,
        account_id,
        phone,
        first_name,
        last_name,
        email,
        source,
        created_at,
        updated_at,
        deleted_at,
        phone_as_entered,
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
