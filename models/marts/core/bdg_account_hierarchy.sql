{{ config(materialized='table') }}

with recursive accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

hierarchy as (

    -- every account is its own ancestor at depth 0
    select
        account_id as ancestor_account_id,
        account_id as descendant_account_id,
        0 as depth
    from accounts

    union all

    -- walk down one level at a time; the depth cap stops a cyclic parent chain
    select
        hierarchy.ancestor_account_id,
        accounts.account_id as descendant_account_id,
        hierarchy.depth + 1 as depth
    from hierarchy
    inner join accounts
        on hierarchy.descendant_account_id = accounts.parent_account_id
    where hierarchy.depth < 32

),

final as (

    select distinct
        ancestor_account_id,
        descendant_account_id,
        cast(depth as integer) as depth
    from hierarchy

)

select * from final
