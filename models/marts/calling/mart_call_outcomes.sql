-- Call outcomes (kpi-spec "Calling", call_outcomes) at account x local day x campaign x outcome.
-- Counts every call with a recorded outcome, inbound and outbound, child legs excluded (a call
-- counts once). The share is not stored: it depends on the filter, so compute it at query time as
-- sum(outcome_calls) for the outcome / sum(outcome_calls) over all outcomes in the same filter.
with

calls as (

    select * from {{ ref('fct_calls') }}

),

calls_with_outcome as (

    select * from calls
    where is_counted_call and outcome is not null

),

per_outcome as (

    select
        account_id,
        date_day,
        campaign_id,
        outcome,
        max(outcome_label) as outcome_label,
        cast(count(*) as {{ dbt.type_bigint() }}) as outcome_calls
    from calls_with_outcome
    group by account_id, date_day, campaign_id, outcome

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'date_day', 'campaign_id', 'outcome']) }} as call_outcome_id,
        account_id,
        date_day,
        campaign_id,
        outcome,
        outcome_label,
        outcome_calls
    from per_outcome

)

select * from final
