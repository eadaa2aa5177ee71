with

source as (

    select * from {{ source('platform', 'deals') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as {{ materialized_cte() }} (

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
            {{ reject_missing_required('deals', parsed=['closed_at']) }}
            {{ reject_bad_timestamp('closed_at') }}
            when typed.raw_amount is not null and typed.amount is null
                then 'bad_number|amount is not a number: ''' || typed.raw_amount || ''''
            when typed.amount < 0
                then 'negative_number|amount is negative: ''' || typed.raw_amount || ''''
            {{ reject_unknown_account() }}
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
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
