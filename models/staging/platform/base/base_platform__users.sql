with

source as (

    select * from {{ source('platform', 'users') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(user_id, '') as user_id,
        nullif(account_id, '') as account_id,
        nullif(full_name, '') as full_name,
        nullif(lower(trim(role)), '') as role,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        {{ parse_utc_timestamp('deactivated_at') }} as deactivated_at,
        nullif(created_at, '') as raw_created_at,
        nullif(updated_at, '') as raw_updated_at,
        nullif(deactivated_at, '') as raw_deactivated_at,
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
            {{ reject_missing_required('users') }}
            {{ reject_bad_timestamp('created_at') }}
            {{ reject_bad_timestamp('updated_at') }}
            {{ reject_bad_timestamp('deactivated_at') }}
            {{ reject_unknown_account() }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id

),

final as (

    select
        user_id,
        account_id,
        full_name,
        role,
        created_at,
        updated_at,
        deactivated_at,
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
