with

source as (

    select * from {{ source('platform', 'deals') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as (

    select
        nullif(deal_id, '') as deal_id,
        nullif(lead_id, '') as lead_id,
        nullif(account_id, '') as account_id,
        {{ parse_utc_timestamp('closed_at') }} as closed_at,
        {{ safe_decimal('amount', 18, 2) }} as amount,
        nullif(closed_at, '') as raw_closed_at,
        nullif(amount, '') as raw_amount,
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
            when typed.deal_id is null
                then 'missing_required|deal_id is missing'
            when typed.lead_id is null
                then 'missing_required|lead_id is missing'
            when typed.account_id is null
                then 'missing_required|account_id is missing'
            when typed.raw_closed_at is null
                then 'missing_required|closed_at is missing'
            when typed.raw_closed_at is not null and typed.closed_at is null
                then 'bad_timestamp|closed_at is not an ISO-8601 timestamp: '''
                    || typed.raw_closed_at || ''''
            when typed.raw_amount is not null and typed.amount is null
                then 'bad_number|amount is not a number: ''' || typed.raw_amount || ''''
            when typed.amount < 0
                then 'negative_number|amount is negative: ''' || typed.raw_amount || ''''
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
        deal_id,
        lead_id,
        account_id,
        closed_at,
        amount,
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
