-- One row per lead with its effective channel, its campaign (the lead's own, else the campaign
-- of the call that produced it) and the account's local day of created_at.
with

leads as (

    select * from {{ ref('stg_platform__leads') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

calls as (

    select * from {{ ref('int_calls__normalized') }}

),

leads_with_call as (

    select
        leads.*,
        calls.campaign_id as call_campaign_id,
        calls.call_id is not null as has_known_call
    from leads
    left join calls
        on leads.call_id = calls.call_id

),

channelled as (

    select
        leads_with_call.*,
        coalesce(
            leads_with_call.channel,
            case
                when leads_with_call.call_id is not null then 'call'
                when leads_with_call.message_id is not null then 'sms'
            end
        ) as effective_channel,
        leads_with_call.channel is null
        and (leads_with_call.call_id is not null or leads_with_call.message_id is not null)
            as is_channel_inferred
    from leads_with_call

),

attributed as (

    select
        channelled.*,
        case
            when channelled.campaign_id is not null then channelled.campaign_id
            when channelled.effective_channel = 'call' then channelled.call_campaign_id
        end as attributed_campaign_id,
        case
            when channelled.campaign_id is not null then 'lead'
            when channelled.effective_channel = 'call' and channelled.call_campaign_id is not null
                then 'call'
        end as campaign_source
    from channelled

),

localized as (

    select
        attributed.*,
        cast(
            {{ to_local_timestamp('attributed.created_at', 'accounts.time_zone') }}
            as date
        ) as date_day
    from attributed
    inner join accounts
        on attributed.account_id = accounts.account_id

),

final as (

    select
        lead_id,
        account_id,
        contact_id,
        effective_channel as channel,
        channel as channel_raw,
        is_channel_inferred,
        coalesce(effective_channel = 'call', false) as is_call_lead,
        attributed_campaign_id as campaign_id,
        campaign_id as campaign_id_raw,
        campaign_source,
        message_id,
        call_id,
        has_known_call,
        created_at,
        date_day
    from localized

)

select * from final
