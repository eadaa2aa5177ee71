-- Calling KPIs (kpi-spec "Calling") at account x local day x campaign (null campaign = calls,
-- leads and deals without a campaign, kept as their own group). Each source is aggregated to the
-- grain on its own, then the three are stacked and summed: no join, so nothing can fan out.
-- Child legs of forwarded/transferred calls are excluded so that a call counts once. Leads carry
-- the deals ever closed from them (deals_closed_cohort) on the day the lead was created; deals
-- closed on a day (deals_closed) sit on the day they closed.
with

calls as (

    select * from {{ ref('fct_calls') }}

),

leads as (

    select * from {{ ref('fct_leads') }}

),

deals as (

    select * from {{ ref('fct_deals') }}

),

outbound_calls as (

    select * from calls
    where direction = 'outbound' and is_counted_call

),

calls_per_grain as (

    select
        account_id,
        date_day,
        campaign_id,
        count(*) as calls_dialed,
        sum(case when is_answered then 1 else 0 end) as calls_answered,
        sum(case when is_answered_by_machine then 1 else 0 end) as calls_answered_by_machine,
        sum(case when is_conversation then 1 else 0 end) as conversations,
        -- average call time: only answered calls whose talk time is known (no ended_at = left
        -- out of the mean, not 0 s)
        sum(case when is_answered and talk_seconds is not null then 1 else 0 end)
            as calls_with_talk_time,
        sum(case when is_answered then talk_seconds end) as talk_seconds_answered,
        0 as call_leads,
        0 as deals_closed,
        0 as deals_closed_cohort
    from outbound_calls
    group by account_id, date_day, campaign_id

),

leads_per_grain as (

    select
        account_id,
        date_day,
        campaign_id,
        0 as calls_dialed,
        0 as calls_answered,
        0 as calls_answered_by_machine,
        0 as conversations,
        0 as calls_with_talk_time,
        cast(null as {{ type_double() }}) as talk_seconds_answered,
        count(*) as call_leads,
        0 as deals_closed,
        -- deals ever closed from the leads created on the day (lead_to_deal_rate_cohort)
        sum(deals_count) as deals_closed_cohort
    from leads
    where is_call_lead
    group by account_id, date_day, campaign_id

),

deals_per_grain as (

    select
        account_id,
        date_day,
        lead_campaign_id as campaign_id,
        0 as calls_dialed,
        0 as calls_answered,
        0 as calls_answered_by_machine,
        0 as conversations,
        0 as calls_with_talk_time,
        cast(null as {{ type_double() }}) as talk_seconds_answered,
        0 as call_leads,
        count(*) as deals_closed,
        0 as deals_closed_cohort
    from deals
    where is_call_deal
    group by account_id, date_day, lead_campaign_id

),

stacked as (

    select * from calls_per_grain
    union all
    select * from leads_per_grain
    union all
    select * from deals_per_grain

),

summed as (

    select
        account_id,
        date_day,
        campaign_id,
        cast(sum(calls_dialed) as {{ dbt.type_bigint() }}) as calls_dialed,
        cast(sum(calls_answered) as {{ dbt.type_bigint() }}) as calls_answered,
        cast(sum(calls_answered_by_machine) as {{ dbt.type_bigint() }})
            as calls_answered_by_machine,
        cast(sum(conversations) as {{ dbt.type_bigint() }}) as conversations,
        cast(sum(calls_with_talk_time) as {{ dbt.type_bigint() }}) as calls_with_talk_time,
        cast(coalesce(sum(talk_seconds_answered), 0) as {{ type_double() }})
            as talk_seconds_answered,
        cast(sum(call_leads) as {{ dbt.type_bigint() }}) as call_leads,
        cast(sum(deals_closed) as {{ dbt.type_bigint() }}) as deals_closed,
        cast(sum(deals_closed_cohort) as {{ dbt.type_bigint() }}) as deals_closed_cohort
    from stacked
    group by account_id, date_day, campaign_id

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'date_day', 'campaign_id']) }} as calling_kpi_id,
        account_id,
        date_day,
        campaign_id,
        {{ calling_kpi_columns() }}
    from summed

)

select * from final
