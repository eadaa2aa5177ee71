with

leads as (

    select * from {{ ref('int_leads__attributed') }}

),

deals as (

    select * from {{ ref('int_deals__attributed') }}

),

deals_per_lead as (

    select
        lead_id,
        count(*) as deals_count,
        -- the contract's decimal(38,2) on every engine: a sum's precision is the engine's
        -- choice (DuckDB widens decimal(18,2) to 38 digits, Spark by 10 to 28)
        cast(sum(amount) as decimal(38, 2)) as deals_amount,
        min(closed_at) as first_deal_closed_at
    from deals
    group by lead_id

),

final as (

    select
        leads.lead_id,
        leads.account_id,
        leads.contact_id,
        leads.channel,
        leads.channel_raw,
        leads.is_channel_inferred,
        leads.is_call_lead,
        leads.campaign_id,
        leads.campaign_source,
        leads.message_id,
        leads.call_id,
        leads.created_at,
        leads.date_day,
        coalesce(deals_per_lead.deals_count, 0) as deals_count,
        coalesce(deals_per_lead.deals_amount, 0) as deals_amount,
        deals_per_lead.first_deal_closed_at,
        deals_per_lead.lead_id is not null as has_deal
    from leads
    left join deals_per_lead
        on leads.lead_id = deals_per_lead.lead_id

)

select * from final
