-- Calls in account usage (kpi-spec "Account usage": calls_total, calls_inbound, calls_outbound,
-- calls_forwarded) at account x local day x user. Child legs of forwarded/transferred calls are
-- excluded so that a call counts once; a forwarded inbound call counts in calls_inbound and
-- calls_forwarded. Calls without a user are kept under a null user_id.
with

calls as (

    select * from {{ ref('fct_calls') }}

),

counted_calls as (

    select * from calls
    where is_counted_call

),

per_user_day as (

    select
        account_id,
        date_day,
        user_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as calls_total,
        cast(sum(case when direction = 'inbound' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as calls_inbound,
        cast(sum(case when direction = 'outbound' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as calls_outbound,
        cast(sum(case when is_forwarded then 1 else 0 end) as {{ dbt.type_bigint() }})
            as calls_forwarded
    from counted_calls
    group by account_id, date_day, user_id

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'date_day', 'user_id']) }} as call_usage_day_id,
        account_id,
        date_day,
        user_id,
        calls_total,
        calls_inbound,
        calls_outbound,
        calls_forwarded
    from per_user_day

)

select * from final
