with

source as (

    select * from {{ source('platform', 'contact_labels') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(event_id, '') as event_id,
        nullif(account_id, '') as account_id,
        nullif(contact_id, '') as contact_id,
        nullif(label_id, '') as label_id,
        nullif(lower(trim(action)), '') as action,
        nullif(user_id, '') as user_id,
        {{ parse_utc_timestamp('occurred_at') }} as occurred_at,
        nullif(occurred_at, '') as raw_occurred_at,
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
            {{ reject_missing_required('contact_labels', parsed=['occurred_at']) }}
            {{ reject_bad_timestamp('occurred_at') }}
            when typed.action not in ('added', 'removed')
                then 'unknown_enum|action is not one of added/removed: ''' || typed.action || ''''
            {{ reject_unknown_account() }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id

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
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
