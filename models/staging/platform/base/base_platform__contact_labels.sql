with

source as (

    select * from {{ source('platform', 'contact_labels') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as (

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
            when typed.event_id is null
                then 'missing_required|event_id is missing'
            when typed.account_id is null
                then 'missing_required|account_id is missing'
            when typed.contact_id is null
                then 'missing_required|contact_id is missing'
            when typed.label_id is null
                then 'missing_required|label_id is missing'
            when typed.action is null
                then 'missing_required|action is missing'
            when typed.raw_occurred_at is null
                then 'missing_required|occurred_at is missing'
            when typed.raw_occurred_at is not null and typed.occurred_at is null
                then 'bad_timestamp|occurred_at is not an ISO-8601 timestamp: '''
                    || typed.raw_occurred_at || ''''
            when typed.action not in ('added', 'removed')
                then 'unknown_enum|action is not one of added/removed: ''' || typed.action || ''''
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
        event_id,
        account_id,
        contact_id,
        label_id,
        action,
        user_id,
        occurred_at,
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
