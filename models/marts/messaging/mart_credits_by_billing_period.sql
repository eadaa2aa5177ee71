{#
    Message credits per account x billing period.

    Periods start at local midnight on billing_cycle_anchor_day (the account's local calendar);
    a month shorter than the anchor day starts on its last day (anchor 31 -> Feb 28/29,
    Apr 30), and each period ends the day before the next one starts. An account without an
    anchor day uses the day of month it was created. Periods run from the one containing the
    account's creation (or its first message, if earlier) through the one containing the
    account's local "today" (var credits_as_of_date, default the current date).

    - credit_allowance: monthly_credit_allowance (unused credits do not roll over);
    - credits_used: credits of every inbound and outbound message in the period (SMS =
      segments, MMS = var mms_credit_cost; canceled outbound messages cost nothing);
    - credits_remaining: allowance - used, floored at 0; usage beyond the allowance is
      credits_overage (never a negative remaining);
    - credits_projected: for the current period, used so far / elapsed days (period start
      through as-of day, inclusive) x days in the period; for closed periods the actual use;
    - as_of_date: the account's local day this build measured the periods on, so that a reader
      after the account's midnight (a report, the formula checks) knows which day they are for.
#}

{%- set double_type = type_double() %}
{%- set local_created_at = to_local_timestamp('accounts.created_at', 'accounts.time_zone') %}
{%- if var('credits_as_of_date', none) %}
    {%- set as_of_date = "cast('" ~ var('credits_as_of_date') ~ "' as date)" %}
{%- else %}
    {%- set utc_now = 'cast(' ~ dbt.current_timestamp() ~ ' as ' ~ dbt.type_timestamp() ~ ')' %}
    {%- set as_of_date = 'cast(' ~ to_local_timestamp(utc_now, 'accounts.time_zone') ~ ' as date)' %}
{%- endif %}

with accounts as (

    select * from {{ ref('dim_accounts') }}

),

dates as (

    select * from {{ ref('dim_dates') }}

),

messages as (

    select * from {{ ref('fct_messages') }}

),

account_settings as (

    select
        accounts.account_id,
        accounts.monthly_credit_allowance as credit_allowance,
        coalesce(
            accounts.billing_cycle_anchor_day,
            cast(extract(day from {{ local_created_at }}) as integer),
            1
        ) as anchor_day,
        cast({{ local_created_at }} as date) as created_date_day,
        {{ as_of_date }} as as_of_date
    from accounts

),

first_activity as (

    select
        account_id,
        min(date_day) as first_message_day
    from messages
    group by account_id

),

months as (

    select distinct
        month_start,
        days_in_month,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as next_month_start
    from dates

),

month_lengths as (

    select
        month_start,
        days_in_month,
        next_month_start,
        {{ dbt.datediff('next_month_start', dbt.dateadd('month', 1, 'next_month_start'), 'day') }}
            as days_in_next_month
    from months

),

period_offsets as (

    -- per account and month: days from the month start to the period start (the anchor day
    -- clamped to the month's length) and from the next month's start to the next period start
    select
        account_settings.account_id,
        month_lengths.month_start,
        month_lengths.next_month_start,
        case
            when account_settings.anchor_day < month_lengths.days_in_month
                then account_settings.anchor_day
            else month_lengths.days_in_month
        end - 1 as start_offset,
        case
            when account_settings.anchor_day < month_lengths.days_in_next_month
                then account_settings.anchor_day
            else month_lengths.days_in_next_month
        end - 1 as next_start_offset
    from account_settings
    cross join month_lengths

),

periods as (

    -- one period per account and month; it ends the day before the next period starts
    select
        account_id,
        cast({{ dbt.dateadd('day', 'start_offset', 'month_start') }} as date) as period_start,
        cast({{ dbt.dateadd('day', 'next_start_offset - 1', 'next_month_start') }} as date) as period_end
    from period_offsets

),

account_periods as (

    -- keep the periods from the account's first day through its as-of day
    select
        periods.account_id,
        periods.period_start,
        periods.period_end,
        account_settings.credit_allowance,
        account_settings.as_of_date
    from periods
    inner join account_settings
        on periods.account_id = account_settings.account_id
    left join first_activity
        on periods.account_id = first_activity.account_id
    where
        periods.period_end >= case
            when first_activity.first_message_day < account_settings.created_date_day
                then first_activity.first_message_day
            else account_settings.created_date_day
        end
        and periods.period_start <= account_settings.as_of_date

),

daily_credits as (

    select
        account_id,
        date_day,
        sum(credits) as credits
    from messages
    where direction = 'inbound' or not is_canceled
    group by account_id, date_day

),

period_credits as (

    -- periods never overlap, so each day lands in exactly one period: no fan-out
    select
        account_periods.account_id,
        account_periods.period_start,
        sum(daily_credits.credits) as credits_used
    from account_periods
    inner join daily_credits
        on
            account_periods.account_id = daily_credits.account_id
            and account_periods.period_start <= daily_credits.date_day
            and account_periods.period_end >= daily_credits.date_day
    group by account_periods.account_id, account_periods.period_start

),

with_credits as (

    select
        account_periods.account_id,
        account_periods.period_start,
        account_periods.period_end,
        account_periods.as_of_date,
        account_periods.credit_allowance,
        coalesce(period_credits.credits_used, 0) as credits_used
    from account_periods
    left join period_credits
        on
            account_periods.account_id = period_credits.account_id
            and account_periods.period_start = period_credits.period_start

),

measured as (

    select
        account_id,
        period_start,
        period_end,
        as_of_date,
        credit_allowance,
        credits_used,
        as_of_date >= period_start and as_of_date <= period_end as is_current_period,
        {{ dbt.datediff('period_start', 'period_end', 'day') }} as period_day_span,  -- noqa: LT05
        {{ dbt.datediff('period_start', 'as_of_date', 'day') }} as elapsed_day_span  -- noqa: LT05
    from with_credits

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'period_start']) }} as billing_period_id,
        account_id,
        period_start,
        period_end,
        cast(period_day_span + 1 as integer) as period_days,
        as_of_date,
        is_current_period,
        cast(
            case when is_current_period then elapsed_day_span + 1 else period_day_span + 1 end as integer
        ) as elapsed_days,
        cast(credit_allowance as bigint) as credit_allowance,
        cast(credits_used as bigint) as credits_used,
        cast(
            case
                when credit_allowance is null then null
                when credit_allowance > credits_used then credit_allowance - credits_used
                else 0
            end as bigint
        ) as credits_remaining,
        cast(
            case
                when credit_allowance is null then null
                when credits_used > credit_allowance then credits_used - credit_allowance
                else 0
            end as bigint
        ) as credits_overage,
        -- In doubles from the start: Spark reads `1.0 *` as decimal arithmetic, and a decimal
        -- product of 33 digits divided keeps only 6 decimals (262.389921 for 262.38992042...).
        -- On DuckDB the two forms give the same doubles (54.9 M cases compared).
        cast(
            case
                when is_current_period
                    then cast(credits_used as {{ double_type }}) * (period_day_span + 1) / (elapsed_day_span + 1)
                else credits_used
            end as {{ double_type }}
        ) as credits_projected
    from measured

)

select * from final
