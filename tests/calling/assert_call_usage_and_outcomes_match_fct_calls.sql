-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_call_usage_daily'}}}) }}
-- Fan-out guard for the usage and outcome marts: summed over all rows they give the counts
-- taken straight from fct_calls (calls that are not child legs). Returns one row when any count disagrees.
with

usage_totals as (

    select
        sum(calls_total) as calls_total,
        sum(calls_inbound) as calls_inbound,
        sum(calls_outbound) as calls_outbound,
        sum(calls_forwarded) as calls_forwarded
    from {{ ref('mart_call_usage_daily') }}

),

outcomes as (

    select sum(outcome_calls) as outcome_calls
    from {{ ref('mart_call_outcomes') }}

),

calls as (

    select
        count(*) as calls_total,
        sum(case when direction = 'inbound' then 1 else 0 end) as calls_inbound,
        sum(case when direction = 'outbound' then 1 else 0 end) as calls_outbound,
        sum(case when direction = 'inbound' and forwarded_to is not null then 1 else 0 end)
            as calls_forwarded,
        sum(case when outcome is not null then 1 else 0 end) as outcome_calls
    from {{ ref('fct_calls') }}
    where parent_call_id is null

),

final as (

    select
        usage_totals.calls_total as mart_calls_total,
        calls.calls_total as fact_calls_total,
        usage_totals.calls_inbound as mart_calls_inbound,
        calls.calls_inbound as fact_calls_inbound,
        usage_totals.calls_outbound as mart_calls_outbound,
        calls.calls_outbound as fact_calls_outbound,
        usage_totals.calls_forwarded as mart_calls_forwarded,
        calls.calls_forwarded as fact_calls_forwarded,
        outcomes.outcome_calls as mart_outcome_calls,
        calls.outcome_calls as fact_outcome_calls
    from usage_totals
    cross join outcomes
    cross join calls
    where
        coalesce(usage_totals.calls_total, 0) <> calls.calls_total
        or coalesce(usage_totals.calls_inbound, 0) <> coalesce(calls.calls_inbound, 0)
        or coalesce(usage_totals.calls_outbound, 0) <> coalesce(calls.calls_outbound, 0)
        or coalesce(usage_totals.calls_forwarded, 0) <> coalesce(calls.calls_forwarded, 0)
        or coalesce(outcomes.outcome_calls, 0) <> coalesce(calls.outcome_calls, 0)

)

select * from final
