-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'fct_calls'}}}) }}
-- The calling facts lose no valid row: fct_calls, fct_leads and fct_deals hold exactly the rows
-- of their staging models (the joins to accounts for the time zone must never drop a row).
-- Returns one row per fact whose count differs.
with

counts as (

    select
        'fct_calls' as fact_name,
        (select count(*) as row_count from {{ ref('stg_platform__calls') }}) as staged_rows,
        (select count(*) as row_count from {{ ref('fct_calls') }}) as fact_rows
    union all
    select
        'fct_leads' as fact_name,
        (select count(*) as row_count from {{ ref('stg_platform__leads') }}) as staged_rows,
        (select count(*) as row_count from {{ ref('fct_leads') }}) as fact_rows
    union all
    select
        'fct_deals' as fact_name,
        (select count(*) as row_count from {{ ref('stg_platform__deals') }}) as staged_rows,
        (select count(*) as row_count from {{ ref('fct_deals') }}) as fact_rows

),

final as (

    select * from counts
    where staged_rows <> fact_rows

)

select * from final
