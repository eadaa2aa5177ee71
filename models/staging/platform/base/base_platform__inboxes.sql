with

source as (

    select * from {{ source('platform', 'inboxes') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(inbox_id, '') as inbox_id,
        nullif(account_id, '') as account_id,
        nullif(name, '') as name,
        nullif(lower(trim(inbox_type)), '') as inbox_type,
        nullif(owner_user_id, '') as owner_user_id,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        nullif(created_at, '') as raw_created_at,
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
            {{ reject_missing_required('inboxes') }}
            {{ reject_bad_timestamp('created_at') }}
            {{ reject_bad_timestamp('updated_at') }}
            when typed.inbox_type not in ('member', 'shared')
                then 'unknown_enum|inbox_type is not one of member/shared: '''
                    || typed.inbox_type || ''''
            {{ reject_unknown_account() }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id

),

final as (

    select
        inbox_id,
        account_id,
        name,
        inbox_type,
        owner_user_id,
        created_at,
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
