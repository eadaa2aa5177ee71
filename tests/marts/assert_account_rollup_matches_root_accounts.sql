-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_messaging_kpis'}}}) }}
-- Sub-account roll-up: sms_sent rolled up to each top-level account through
-- bdg_account_hierarchy equals the messages of every account whose root it is
-- (dim_accounts.root_account_id), so nothing is lost or counted under a foreign account.

with rolled_up as (

    select
        hierarchy.ancestor_account_id as account_id,
        sum(kpis.sms_sent) as sms_sent
    from {{ ref('mart_messaging_kpis') }} as kpis
    inner join {{ ref('bdg_account_hierarchy') }} as hierarchy
        on kpis.account_id = hierarchy.descendant_account_id
    inner join {{ ref('dim_accounts') }} as accounts
        on hierarchy.ancestor_account_id = accounts.account_id
    where accounts.depth = 0
    group by hierarchy.ancestor_account_id

),

by_root as (

    select
        accounts.root_account_id as account_id,
        sum(case when messages.is_sms_sent then 1 else 0 end) as sms_sent
    from {{ ref('fct_messages') }} as messages
    inner join {{ ref('dim_accounts') }} as accounts
        on messages.account_id = accounts.account_id
    group by accounts.root_account_id

)

select
    coalesce(rolled_up.account_id, by_root.account_id) as account_id,
    rolled_up.sms_sent as rolled_up_sms_sent,
    by_root.sms_sent as root_sms_sent
from rolled_up
full outer join by_root
    on rolled_up.account_id = by_root.account_id
where coalesce(rolled_up.sms_sent, 0) <> coalesce(by_root.sms_sent, 0)
