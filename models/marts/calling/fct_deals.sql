with

deals as (

    select * from {{ ref('int_deals__attributed') }}

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
    from deals

)

select * from final
