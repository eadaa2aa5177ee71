{#
    Contact-grain fact behind the Reporting page's unique-contact KPIs: one row per account x
    local day x campaign x template x contact with what happened to / from that contact that
    day. A unique-contact KPI over ANY date range and filter is
    count(distinct case when <measure> > 0 then contact_id end) over the filtered rows
    (the YAML lists the query per KPI).
    Inbound messages and opt events sit under the campaign / template they are attributed to;
    campaign_id / template_id null are their own groups (no campaign / no template).
    The opt events and leads are aggregated to the grain first, then stacked with the messages
    (one row each) and summed once: no fan-out.
    Incremental by account x contact (incremental_rebuild_filter, with the opt events and leads
    beside the messages): a run rebuilds every day of each contact touched since the newest
    load it holds, so a late event or a reply attributed anew rebuilds its old day;
    _loaded_at is the contact's newest load among its staged messages, their delivery events,
    its opt events and leads.
#}

{%- set contact = ['account_id', 'contact_id'] -%}
{%- set also = ['opt_events', 'leads'] -%}

{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key=contact,
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['account_id', 'contact_id'], ['opt_events', 'leads']) }}",
    )
}}

with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

messages as (

    select * from {{ ref('fct_messages') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

-- a lead names its message, which may be another contact's
all_messages as (

    select * from {{ ref('fct_messages') }}

),

opt_events as (

    select * from {{ ref('int_opt_events__linked') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

staged_opt_events as (

    select * from {{ ref('stg_platform__opt_events') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

leads as (

    select * from {{ ref('stg_platform__leads') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

contact_loads as (

    -- fct_messages' _loaded_at is each message's newer of its own and its delivery outcome's
    {{ contact_newest_load('messages', none, ['staged_opt_events', 'leads']) }}

),

-- each message as its counts (0 or 1), summed with the opt events and leads in one aggregate
-- below: grouping the messages first, then the stacked groups, aggregated each group twice
message_activity as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        contact_id,
        case when is_sms_sent then 1 else 0 end as messages_sent,
        case when is_sms_sent and delivery_outcome = 'delivered' then 1 else 0 end
            as messages_delivered,
        case when direction = 'inbound' then 1 else 0 end as replies_received,
        case when direction = 'inbound' and is_opt_out_message then 1 else 0 end
            as opt_out_messages,
        0 as ai_filter_opt_outs,
        0 as opt_out_events,
        0 as leads
    from messages

),

opt_event_rows as (

    select
        opt_events.account_id,
        cast({{ to_local_timestamp('opt_events.occurred_at', 'accounts.time_zone') }} as date)
            as date_day,
        opt_events.campaign_id,
        opt_events.template_id,
        opt_events.contact_id,
        opt_events.method
    from opt_events
    inner join accounts
        on opt_events.account_id = accounts.account_id
    where opt_events.direction = 'opt_out'

),

opt_event_activity as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        contact_id,
        0 as messages_sent,
        0 as messages_delivered,
        0 as replies_received,
        0 as opt_out_messages,
        sum(case when method = 'ai_filter' then 1 else 0 end) as ai_filter_opt_outs,
        count(*) as opt_out_events,
        0 as leads
    from opt_event_rows
    group by account_id, date_day, campaign_id, template_id, contact_id

),

lead_rows as (

    select
        leads.account_id,
        cast({{ to_local_timestamp('leads.created_at', 'accounts.time_zone') }} as date) as date_day,
        coalesce(leads.campaign_id, messages.campaign_id) as campaign_id,
        messages.template_id,
        leads.contact_id
    from leads
    inner join accounts
        on leads.account_id = accounts.account_id
    left join all_messages as messages
        on leads.message_id = messages.message_id
    where leads.channel = 'sms'

),

lead_activity as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        contact_id,
        0 as messages_sent,
        0 as messages_delivered,
        0 as replies_received,
        0 as opt_out_messages,
        0 as ai_filter_opt_outs,
        0 as opt_out_events,
        count(*) as leads
    from lead_rows
    group by account_id, date_day, campaign_id, template_id, contact_id

),

stacked as (

    select * from message_activity
    union all
    select * from opt_event_activity
    union all
    select * from lead_activity

),

summed as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        contact_id,
        cast(sum(messages_sent) as integer) as messages_sent,
        cast(sum(messages_delivered) as integer) as messages_delivered,
        cast(sum(replies_received) as integer) as replies_received,
        cast(sum(opt_out_messages) as integer) as opt_out_messages,
        cast(sum(ai_filter_opt_outs) as integer) as ai_filter_opt_outs,
        cast(sum(opt_out_events) as integer) as opt_out_events,
        cast(sum(leads) as integer) as leads
    from stacked
    group by account_id, date_day, campaign_id, template_id, contact_id

),

with_loads as (

    select
        summed.*,
        contact_loads._loaded_at
    from summed
    left join contact_loads
        on
            summed.account_id = contact_loads.account_id
            and summed.contact_id = contact_loads.contact_id

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'date_day', 'campaign_id', 'template_id', 'contact_id']) }}
            as contact_day_id,
        account_id,
        date_day,
        campaign_id,
        template_id,
        contact_id,
        messages_sent,
        messages_delivered,
        replies_received,
        opt_out_messages,
        ai_filter_opt_outs,
        opt_out_events,
        leads,
        _loaded_at
    from with_loads

)

select * from final
