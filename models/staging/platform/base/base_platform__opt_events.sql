with

source as (

    select * from {{ source('platform', 'opt_events') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

{{ cross_account_owner_ctes(['campaign', 'enrollment', 'message']) }}

typed as {{ materialized_cte() }} (

    select
        nullif(opt_event_id, '') as opt_event_id,
        nullif(account_id, '') as account_id,
        nullif(contact_id, '') as contact_id,
        nullif(lower(trim(direction)), '') as direction,
        nullif(lower(trim(method)), '') as method,
        {{ parse_utc_timestamp('occurred_at') }} as occurred_at,
        nullif(campaign_id, '') as campaign_id,
        nullif(enrollment_id, '') as enrollment_id,
        nullif(message_id, '') as message_id,
        nullif(user_id, '') as user_id,
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
            {{ reject_missing_required('opt_events', parsed=['occurred_at']) }}
            {{ reject_bad_timestamp('occurred_at') }}
            when typed.direction not in ('opt_out', 'opt_in')
                then 'unknown_enum|direction is not one of opt_out/opt_in: '''
                    || typed.direction || ''''
            when typed.method not in (
                    'keyword', 'ai_filter', 'manual', 'management_page', 'import', 'carrier'
                )
                then 'unknown_enum|method is not a known method: ''' || typed.method || ''''
            {{ reject_unknown_account() }}
            {{- cross_account_reference_checks(['campaign', 'enrollment', 'message']) }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id
    {{- cross_account_owner_joins(['campaign', 'enrollment', 'message']) }}

),

final as (

    select
        opt_event_id,
        account_id,
        contact_id,
        direction,
        method,
        occurred_at,
        campaign_id,
        enrollment_id,
        message_id,
        user_id,
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
