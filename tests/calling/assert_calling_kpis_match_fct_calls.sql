-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_calling_kpis'}}}) }}
-- Fan-out guard: the calling KPI mart, summed over all its rows, gives exactly the counts taken
-- straight from the facts (outbound counted calls, call leads, call deals). Returns one row with
-- them when any measure disagrees.
with

kpis as (

    select
        sum(calls_dialed) as calls_dialed,
        sum(calls_answered) as calls_answered,
        sum(calls_answered_by_machine) as calls_answered_by_machine,
        sum(conversations) as conversations,
        sum(talk_seconds_answered) as talk_seconds_answered,
        sum(call_leads) as call_leads,
        sum(deals_closed) as deals_closed
    from {{ ref('mart_calling_kpis') }}

),

calls as (

    select
        count(*) as calls_dialed,
        sum(case when is_answered then 1 else 0 end) as calls_answered,
        sum(case when is_answered_by_machine then 1 else 0 end) as calls_answered_by_machine,
        sum(case when is_conversation then 1 else 0 end) as conversations,
        sum(case when is_answered then coalesce(talk_seconds, 0) else 0 end)
            as talk_seconds_answered
    from {{ ref('fct_calls') }}
    where direction = 'outbound' and not is_child_call

),

leads as (

    select count(*) as call_leads
    from {{ ref('fct_leads') }}
    where channel = 'call'

),

deals as (

    select count(*) as deals_closed
    from {{ ref('fct_deals') }}
    where is_call_deal

),

final as (

    select
        kpis.calls_dialed as mart_calls_dialed,
        calls.calls_dialed as fact_calls_dialed,
        kpis.calls_answered as mart_calls_answered,
        calls.calls_answered as fact_calls_answered,
        kpis.calls_answered_by_machine as mart_calls_answered_by_machine,
        calls.calls_answered_by_machine as fact_calls_answered_by_machine,
        kpis.conversations as mart_conversations,
        calls.conversations as fact_conversations,
        kpis.talk_seconds_answered as mart_talk_seconds_answered,
        calls.talk_seconds_answered as fact_talk_seconds_answered,
        kpis.call_leads as mart_call_leads,
        leads.call_leads as fact_call_leads,
        kpis.deals_closed as mart_deals_closed,
        deals.deals_closed as fact_deals_closed
    from kpis
    cross join calls
    cross join leads
    cross join deals
    where
        coalesce(kpis.calls_dialed, 0) <> calls.calls_dialed
        or coalesce(kpis.calls_answered, 0) <> coalesce(calls.calls_answered, 0)
        or coalesce(kpis.calls_answered_by_machine, 0) <> coalesce(calls.calls_answered_by_machine, 0)
        or coalesce(kpis.conversations, 0) <> coalesce(calls.conversations, 0)
        or coalesce(kpis.talk_seconds_answered, 0) <> coalesce(calls.talk_seconds_answered, 0)
        or coalesce(kpis.call_leads, 0) <> leads.call_leads
        or coalesce(kpis.deals_closed, 0) <> deals.deals_closed

)

select * from final
