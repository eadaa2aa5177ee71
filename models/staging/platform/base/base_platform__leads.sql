with

source as (

    select * from {{ source('platform', 'leads') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

{{ cross_account_owner_ctes(['campaign', 'message']) }}

typed as (

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
            when typed.lead_id is null
                then 'missing_required|lead_id is missing'
            when typed.account_id is null
                then 'missing_required|account_id is missing'
            when typed.contact_id is null
                then 'missing_required|contact_id is missing'
            when typed.raw_created_at is null
                then 'missing_required|created_at is missing'
            when typed.raw_created_at is not null and typed.created_at is null
                then 'bad_timestamp|created_at is not an ISO-8601 timestamp: '''
                    || typed.raw_created_at || ''''
            when typed.channel not in ('sms', 'call')
                then 'unknown_enum|channel is not one of sms/call: ''' || typed.channel || ''''
            when valid_accounts.account_id is null
                then 'unknown_account|account_id is not a valid account: '''
                    || typed.account_id || ''''
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
