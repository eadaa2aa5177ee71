-- One row per deal with the channel, call and campaign of the lead it closed, and the account's
-- local day of closed_at.
with

deals as (

    select * from {{ ref('stg_platform__deals') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

leads as (

    select * from {{ ref('int_leads__attributed') }}

),

deals_with_lead as (

    select
        deals.deal_id,
        deals.lead_id,
        deals.account_id,
        deals.closed_at,
        deals.amount,
        leads.lead_id is not null as has_known_lead,
        leads.channel as lead_channel,
        leads.call_id as lead_call_id,
        leads.campaign_id as lead_campaign_id,
        leads.created_at as lead_created_at,
        coalesce(leads.is_call_lead, false) as is_call_deal
    from deals
    left join leads
        on deals.lead_id = leads.lead_id

),

localized as (

    select
        deals_with_lead.*,
        cast(
            {{ to_local_timestamp('deals_with_lead.closed_at', 'accounts.time_zone') }}
            as date
        ) as date_day
    from deals_with_lead
    inner join accounts
        on deals_with_lead.account_id = accounts.account_id

),

final as (

    select
        deal_id,
        lead_id,
        account_id,
        closed_at,
        date_day,
        amount,
        has_known_lead,
        lead_channel,
        lead_call_id,
        lead_campaign_id,
        lead_created_at,
        is_call_deal
    from localized

)

select * from final
