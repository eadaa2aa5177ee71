-- A table, not the staging default view: 13 base models (their unknown_account check), 18
-- intermediate and mart models and the formula checks read it, and a view would redo its
-- dedup window for each of them.
{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__accounts') }}

),

versions as (

    {{ latest_valid_versions('base', 'account_id', updated_at='updated_at') }}

),

final as (

    select
        account_id,
        parent_account_id,
        name as account_name,
        time_zone,
        monthly_credit_allowance,
        billing_cycle_anchor_day,
        created_at,
        updated_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
