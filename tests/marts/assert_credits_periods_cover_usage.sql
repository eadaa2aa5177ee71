-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_credits_by_billing_period'}}}) }}
-- Credits per billing period: periods of an account never overlap, and the credits of all
-- its periods add up to the credits of its messages on the days those periods cover.

with periods as (

    select * from {{ ref('mart_credits_by_billing_period') }}

),

period_overlaps as (

    select
        earlier.account_id,
        'overlap or gap' as problem
    from periods as earlier
    inner join periods as later
        on
            earlier.account_id = later.account_id
            and earlier.period_start < later.period_start
    group by earlier.account_id, earlier.period_start, earlier.period_end
    having min(later.period_start) <> {{ dbt.dateadd('day', 1, 'earlier.period_end') }}

),

covered as (

    select
        account_id,
        min(period_start) as first_day,
        max(period_end) as last_day,
        sum(credits_used) as credits_used
    from periods
    group by account_id

),

message_credits as (

    select
        covered.account_id,
        sum(messages.credits) as credits
    from covered
    inner join {{ ref('fct_messages') }} as messages
        on
            covered.account_id = messages.account_id
            and covered.first_day <= messages.date_day
            and covered.last_day >= messages.date_day
            and (messages.direction = 'inbound' or not messages.is_canceled)
    group by covered.account_id

),

mismatches as (

    select
        covered.account_id,
        'credits differ' as problem
    from covered
    left join message_credits
        on covered.account_id = message_credits.account_id
    where coalesce(covered.credits_used, 0) <> coalesce(message_credits.credits, 0)

)

select * from period_overlaps
union all
select * from mismatches
