with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

hierarchy as (

    select * from {{ ref('bdg_account_hierarchy') }}

),

ancestry as (

    -- the deepest ancestor of an account is its root; that depth is the account's own depth
    select
        descendant_account_id as account_id,
        max(depth) as depth
    from hierarchy
    group by descendant_account_id

),

roots as (

    select
        hierarchy.descendant_account_id as account_id,
        hierarchy.ancestor_account_id as root_account_id
    from hierarchy
    inner join ancestry
        on
            hierarchy.descendant_account_id = ancestry.account_id
            and hierarchy.depth = ancestry.depth

),

descendants as (

    select
        ancestor_account_id as account_id,
        count(*) - 1 as descendant_count
    from hierarchy
    group by ancestor_account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.parent_account_id,
        roots.root_account_id,
        cast(ancestry.depth as integer) as depth,
        cast(coalesce(descendants.descendant_count, 0) as integer) as descendant_count,
        coalesce(descendants.descendant_count, 0) > 0 as is_admin_account,
        accounts.time_zone,
        cast(accounts.monthly_credit_allowance as bigint) as monthly_credit_allowance,
        cast(accounts.billing_cycle_anchor_day as integer) as billing_cycle_anchor_day,
        accounts.created_at,
        accounts.updated_at
    from accounts
    left join ancestry
        on accounts.account_id = ancestry.account_id
    left join roots
        on accounts.account_id = roots.account_id
    left join descendants
        on accounts.account_id = descendants.account_id

)

select * from final
