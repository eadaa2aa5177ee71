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
        cast(sum(kpis.calls_with_talk_time) as {{ dbt.type_bigint() }}) as calls_with_talk_time,
        cast(sum(kpis.talk_seconds_answered) as {{ type_double() }}) as talk_seconds_answered,
        cast(sum(kpis.call_leads) as {{ dbt.type_bigint() }}) as call_leads,
        cast(sum(kpis.deals_closed) as {{ dbt.type_bigint() }}) as deals_closed,
        cast(sum(kpis.deals_closed_cohort) as {{ dbt.type_bigint() }}) as deals_closed_cohort
    from kpis
    inner join hierarchy
        on kpis.account_id = hierarchy.descendant_account_id
    group by hierarchy.ancestor_account_id, kpis.date_day, kpis.campaign_id

),

final as (

    select
        {{ generate_surrogate_key(['rollup_account_id', 'date_day', 'campaign_id']) }} as calling_kpi_rollup_id,
        rollup_account_id,
        date_day,
        campaign_id,
        {{ calling_kpi_columns() }}
    from rolled_up

)

select * from final
