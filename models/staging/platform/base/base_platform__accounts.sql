with

source as (

    select * from {{ source('platform', 'accounts') }}

),

time_zones as (

    select time_zone from {{ ref('iana_time_zones') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(account_id, '') as account_id,
        nullif(parent_account_id, '') as parent_account_id,
        nullif(name, '') as name,
        nullif(trim(time_zone), '') as time_zone,
        {{ safe_integer('monthly_credit_allowance') }} as monthly_credit_allowance,
        {{ safe_integer('billing_cycle_anchor_day') }} as billing_cycle_anchor_day,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        nullif(monthly_credit_allowance, '') as raw_monthly_credit_allowance,
        nullif(billing_cycle_anchor_day, '') as raw_billing_cycle_anchor_day,
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
            {{ reject_missing_required('accounts', parsed=['created_at']) }}
            {{ reject_bad_timestamp('created_at') }}
            {{ reject_bad_timestamp('updated_at') }}
            when typed.raw_monthly_credit_allowance is not null and typed.monthly_credit_allowance is null
                then 'bad_number|monthly_credit_allowance is not an integer: '''
                    || typed.raw_monthly_credit_allowance || ''''
            when typed.raw_billing_cycle_anchor_day is not null and typed.billing_cycle_anchor_day is null
                then 'bad_number|billing_cycle_anchor_day is not an integer: '''
                    || typed.raw_billing_cycle_anchor_day || ''''
            when time_zones.time_zone is null
                then 'unknown_time_zone|time_zone is not an IANA time zone: '''
                    || typed.time_zone || ''''
            when typed.monthly_credit_allowance < 0
                then 'negative_number|monthly_credit_allowance is negative: '''
                    || typed.raw_monthly_credit_allowance || ''''
            when typed.billing_cycle_anchor_day not between 1 and 31
                then 'bad_number|billing_cycle_anchor_day is not a day of the month: '''
                    || typed.raw_billing_cycle_anchor_day || ''''
        end as rejection
    from typed
    left join time_zones
        on typed.time_zone = time_zones.time_zone

),

final as (

    select
        account_id,
        parent_account_id,
        name,
        time_zone,
        monthly_credit_allowance,
        billing_cycle_anchor_day,
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
