-- Calling KPIs rolled up over the account hierarchy (kpi-spec ground rule 2): for every account,
-- the sum over itself and all its descendants at any depth, per local day and campaign. Each
-- account's rows keep their own local day. Built from mart_calling_kpis (already at the grain), so
-- the one-to-many join to the bridge only copies rows to their ancestors and cannot double count
-- within one roll-up account.
with

kpis as (

    select * from {{ ref('mart_calling_kpis') }}

),

hierarchy as (

    select * from {{ ref('bdg_account_hierarchy') }}

),

rolled_up as (

    select
        hierarchy.ancestor_account_id as rollup_account_id,
        kpis.date_day,
        kpis.campaign_id,
        cast(sum(kpis.calls_dialed) as {{ dbt.type_bigint() }}) as calls_dialed,
        cast(sum(kpis.calls_answered) as {{ dbt.type_bigint() }}) as calls_answered,
        cast(sum(kpis.calls_answered_by_machine) as {{ dbt.type_bigint() }})
            as calls_answered_by_machine,
        cast(sum(kpis.conversations) as {{ dbt.type_bigint() }}) as conversations,
        cast(sum(kpis.talk_seconds_answered) as {{ dbt.type_bigint() }}) as talk_seconds_answered,
        cast(sum(kpis.call_leads) as {{ dbt.type_bigint() }}) as call_leads,
        cast(sum(kpis.deals_closed) as {{ dbt.type_bigint() }}) as deals_closed
    from kpis
    inner join hierarchy
        on kpis.account_id = hierarchy.descendant_account_id
    group by hierarchy.ancestor_account_id, kpis.date_day, kpis.campaign_id

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'rollup_account_id', "'|'",
            dbt.cast('date_day', dbt.type_string()), "'|'",
            "coalesce(campaign_id, '')"
        ])) }} as calling_kpi_rollup_key,
        rollup_account_id,
        date_day,
        campaign_id,
        calls_dialed,
        calls_answered,
        calls_answered_by_machine,
        conversations,
        talk_seconds_answered,
        case
            when calls_dialed > 0 then calls_answered * 1.0 / calls_dialed
        end as response_rate,
        case
            when calls_answered > 0 then talk_seconds_answered * 1.0 / calls_answered
        end as average_call_seconds,
        case
            when calls_answered > 0 then conversations * 1.0 / calls_answered
        end as conversation_rate,
        case
            when calls_dialed > 0 then conversations * 1.0 / calls_dialed
        end as conversation_rate_dialed,
        call_leads,
        deals_closed,
        case
            when calls_dialed > 0 then call_leads * 1.0 / calls_dialed
        end as call_to_lead_rate,
        case
            when call_leads > 0 then deals_closed * 1.0 / call_leads
        end as lead_to_deal_rate
    from rolled_up

)

select * from final
