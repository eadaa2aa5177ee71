with

source as (

    select * from {{ source('platform', 'phone_numbers') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(phone_number_id, '') as phone_number_id,
        nullif(account_id, '') as account_id,
        {{ normalize_phone_e164('e164') }} as e164,
        nullif(friendly_name, '') as friendly_name,
        nullif(inbox_id, '') as inbox_id,
        nullif(lower(trim(number_type)), '') as number_type,
        {{ safe_boolean('is_tracking_number') }} as is_tracking_number,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        {{ parse_utc_timestamp('released_at') }} as released_at,
        nullif(e164, '') as raw_e164,
        nullif(is_tracking_number, '') as raw_is_tracking_number,
        nullif(created_at, '') as raw_created_at,
        nullif(updated_at, '') as raw_updated_at,
        nullif(released_at, '') as raw_released_at,
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
            {{ reject_missing_required('phone_numbers', parsed=['e164']) }}
            {{ reject_bad_timestamp('created_at') }}
            {{ reject_bad_timestamp('updated_at') }}
            {{ reject_bad_timestamp('released_at') }}
            when typed.raw_is_tracking_number is not null and typed.is_tracking_number is null
                then 'bad_boolean|is_tracking_number is not a boolean: '''
                    || typed.raw_is_tracking_number || ''''
            when typed.number_type not in ('local', 'toll_free', 'short_code')
                then 'unknown_enum|number_type is not one of local/toll_free/short_code: '''
                    || typed.number_type || ''''
            when typed.raw_e164 is not null and typed.e164 is null
                then 'bad_phone|e164 is not a phone number: ''' || typed.raw_e164 || ''''
            {{ reject_unknown_account() }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id

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
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
