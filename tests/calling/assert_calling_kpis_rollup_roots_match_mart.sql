-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_calling_kpis_rollup'}}}) }}
-- Roll-up guard: every account has exactly one root (an account that is nobody's descendant at
-- depth > 0), so the roll-up rows of the roots sum to the whole of mart_calling_kpis: nothing is
-- lost or counted twice across the hierarchy. Returns a row when they disagree.
with

hierarchy as (

    select * from {{ ref('bdg_account_hierarchy') }}

),

kpis as (

    select * from {{ ref('mart_calling_kpis') }}

),

kpi_rollup as (

    select * from {{ ref('mart_calling_kpis_rollup') }}

),

non_roots as (

    select distinct descendant_account_id as account_id
    from hierarchy
    where depth > 0

),

roots as (

    select distinct hierarchy.ancestor_account_id as account_id
    from hierarchy
    left join non_roots
        on hierarchy.ancestor_account_id = non_roots.account_id
    where non_roots.account_id is null

),

root_totals as (

    select
        sum(kpi_rollup.calls_dialed) as calls_dialed,
        sum(kpi_rollup.calls_answered) as calls_answered,
        sum(kpi_rollup.call_leads) as call_leads,
        sum(kpi_rollup.deals_closed) as deals_closed
    from kpi_rollup
    inner join roots
        on kpi_rollup.rollup_account_id = roots.account_id

),

mart_totals as (

    select
        sum(calls_dialed) as calls_dialed,
        sum(calls_answered) as calls_answered,
        sum(call_leads) as call_leads,
        sum(deals_closed) as deals_closed
    from kpis

),

final as (

    select
        root_totals.calls_dialed as rollup_calls_dialed,
        mart_totals.calls_dialed as mart_calls_dialed,
        root_totals.calls_answered as rollup_calls_answered,
        mart_totals.calls_answered as mart_calls_answered,
        root_totals.call_leads as rollup_call_leads,
        mart_totals.call_leads as mart_call_leads,
        root_totals.deals_closed as rollup_deals_closed,
        mart_totals.deals_closed as mart_deals_closed
    from root_totals
    cross join mart_totals
    where
        coalesce(root_totals.calls_dialed, 0) <> coalesce(mart_totals.calls_dialed, 0)
        or coalesce(root_totals.calls_answered, 0) <> coalesce(mart_totals.calls_answered, 0)
        or coalesce(root_totals.call_leads, 0) <> coalesce(mart_totals.call_leads, 0)
        or coalesce(root_totals.deals_closed, 0) <> coalesce(mart_totals.deals_closed, 0)

)

select * from final
