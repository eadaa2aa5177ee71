with

source as (

    select * from {{ source('platform', 'leads') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

{{ cross_account_owner_ctes(['campaign', 'message']) }}

typed as {{ materialized_cte() }} (

    select
        nullif(lead_id, '') as lead_id,
        nullif(account_id, '') as account_id,
        nullif(contact_id, '') as contact_id,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        nullif(lower(trim(channel)), '') as channel,
        nullif(campaign_id, '') as campaign_id,
        nullif(message_id, '') as message_id,
        nullif(call_id, '') as call_id,
        nullif(created_at, '') as raw_created_at,
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
            {{ reject_missing_required('leads', parsed=['created_at']) }}
            {{ reject_bad_timestamp('created_at') }}
            when typed.channel not in ('sms', 'call')
                then 'unknown_enum|channel is not one of sms/call: ''' || typed.channel || ''''
            {{ reject_unknown_account() }}
            {{- cross_account_reference_checks(['campaign', 'message']) }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id
    {{- cross_account_owner_joins(['campaign', 'message']) }}

),

final as (

    select
        lead_id,
        account_id,
        contact_id,
        created_at,
        channel,
        campaign_id,
        message_id,
        call_id,
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
