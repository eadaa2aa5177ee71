{#-
    One row per contact of each campaign send (campaign x step): the contact list behind every
    number of the SMS send report (sent, delivered, bounced, clicked, unsubscribed) and the
    re-engagement audience (delivered but neither clicked nor replied), for CSV exports.

    A send's messages are the outbound messages carrying the campaign and step, except those the
    platform canceled. A contact sent the step more than once keeps one row: message_id and
    delivery_outcome are those of the latest message; was_delivered is true when any was.
    Clicks, replies and unsubscribes are aggregated per contact before joining (no fan-out).

    Incremental by account x contact (incremental_rebuild_filter, with the clicks, opt events
    and campaign steps beside the messages): a run rebuilds every send row of each contact
    touched since the newest load it holds. An opt-out may name another contact's message, so
    the opt-outs of the rebuilt contacts and those naming their messages are attributed against
    every send and reply message they name, rebuilt or not. _loaded_at is the contact's newest
    load among its staged messages, their delivery events and its clicks.
-#}

{%- set contact = ['account_id', 'contact_id'] -%}
{%- set also = ['opt_events', 'link_clicks', 'campaign_steps'] -%}

{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key=contact,
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['account_id', 'contact_id'],
            ['opt_events', 'link_clicks', 'campaign_steps']) }}",
    )
}}

with

messages as (

    select * from {{ ref('stg_platform__messages') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

campaign_steps as (

    select * from {{ ref('stg_platform__campaign_steps') }}

),

opt_events as (

    select * from {{ ref('int_opt_events__linked') }}
    where
        {{ in_rebuilt_groups(contact, also) }}
    {% if is_incremental() %}
        or message_id in (select messages.message_id from messages)
    {% endif %}

),

delivery_outcomes as (

    select * from {{ ref('int_messages__delivery_outcome') }}

),

segmented as (

    select * from {{ ref('int_messages__segmented') }}

),

-- the replies of the rebuilt contacts, and the replies the opt-outs name (rebuilt or not)
inbound_attributed as (

    select
        *,
        {{ in_rebuilt_groups(contact, also) }} as is_rebuilt
    from {{ ref('int_messages__inbound_attributed') }}
    where
        {{ in_rebuilt_groups(contact, also) }}
    {% if is_incremental() %}
        or message_id in (select opt_events.message_id from opt_events)
    {% endif %}

),

link_clicks as (

    select * from {{ ref('fct_link_clicks') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

-- the messages of the rebuilt contacts, and the messages the opt-outs name (rebuilt or not)
candidate_messages as (

    select
        *,
        {{ in_rebuilt_groups(contact, also) }} as is_rebuilt
    -- read by name, not through a CTE shared with `messages`: DuckDB would materialize it,
    -- every staged message at once (a full build then spills at M)
    from {{ ref('stg_platform__messages') }}
    where
        {{ in_rebuilt_groups(contact, also) }}
    {% if is_incremental() %}
        or message_id in (select opt_events.message_id from opt_events)
    {% endif %}

),

send_messages as (

    select
        messages.message_id,
        messages.account_id,
        messages.campaign_id,
        messages.step_number,
        messages.contact_id,
        messages.enrollment_id,
        messages.created_at,
        messages.is_rebuilt,
        delivery_outcomes.delivery_outcome,
        segmented.credits
    from candidate_messages as messages
    inner join delivery_outcomes
        on messages.message_id = delivery_outcomes.message_id
    left join segmented
        on messages.message_id = segmented.message_id
    where
        messages.direction = 'outbound'
        and messages.campaign_id is not null
        and messages.step_number is not null
        and delivery_outcomes.delivery_outcome <> 'canceled'

),

rebuilt_send_messages as (

    select * from send_messages
    where is_rebuilt

),

-- the contact's newest load: its staged messages, their delivery events, its clicks
contact_loads as (

    {{ contact_newest_load('messages', 'delivery_outcomes', ['link_clicks']) }}

),

-- one pass over the send messages: the latest message of each contact x send is picked while
-- aggregating (latest_row), not ranked in a window sort
recipient_totals as (

    select
        account_id,
        campaign_id,
        step_number,
        contact_id,
        count(*) as messages_sent,
        min(created_at) as first_sent_at,
        max(case when delivery_outcome = 'delivered' then 1 else 0 end) as any_delivered,
        sum(coalesce(credits, 0)) as credits,
        {{ latest_row(
            'latest_message', ['message_id', 'enrollment_id', 'delivery_outcome'],
            ['created_at', 'message_id']
        ) }}
    from rebuilt_send_messages
    group by account_id, campaign_id, step_number, contact_id

),

recipients as (

    select
        recipient_totals.account_id,
        recipient_totals.campaign_id,
        recipient_totals.step_number,
        -- a send is a campaign step: its template is the step's (mart_send_report's too)
        campaign_steps.template_id,
        recipient_totals.contact_id,
        {{ latest_field('recipient_totals', 'latest_message', 'message_id') }} as message_id,
        {{ latest_field('recipient_totals', 'latest_message', 'enrollment_id') }} as enrollment_id,
        recipient_totals.messages_sent,
        recipient_totals.first_sent_at,
        {{ latest_field('recipient_totals', 'latest_message', 'delivery_outcome') }}
            as delivery_outcome,
        recipient_totals.any_delivered = 1 as was_delivered,
        recipient_totals.credits
    from recipient_totals
    left join campaign_steps
        on
            recipient_totals.campaign_id = campaign_steps.campaign_id
            and recipient_totals.step_number = campaign_steps.step_number

),

recipient_clicks as (

    select
        account_id,
        campaign_id,
        step_number,
        contact_id,
        count(*) as clicks,
        min(clicked_at) as first_clicked_at
    from link_clicks
    -- a send's clicks are clicks on its messages: a canceled message was never sent
    where message_id in (select send_messages.message_id from send_messages)
    group by account_id, campaign_id, step_number, contact_id

),

recipient_replies as (

    select
        account_id,
        attributed_campaign_id as campaign_id,
        attributed_step_number as step_number,
        contact_id,
        count(*) as replies,
        min(created_at) as first_replied_at
    from inbound_attributed
    where
        is_rebuilt
        and attributed_campaign_id is not null
        and attributed_step_number is not null
    group by account_id, attributed_campaign_id, attributed_step_number, contact_id

),

opt_outs as (

    select
        opt_events.opt_event_id,
        opt_events.account_id,
        opt_events.contact_id,
        opt_events.occurred_at,
        opt_events.message_id,
        opt_events.campaign_id
    from opt_events
    where opt_events.direction = 'opt_out'

),

-- kpi-spec Opt-outs: an opt-out belongs to one campaign (int_opt_events__linked); within the
-- campaign the message it names decides the step, else the latest step sent before it.
-- 1. the opt-out names one of the send's messages
opt_outs_by_sent_message as (

    select
        opt_outs.opt_event_id,
        send_messages.account_id,
        send_messages.campaign_id,
        send_messages.step_number,
        send_messages.contact_id,
        opt_outs.occurred_at,
        1 as attribution_priority
    from opt_outs
    inner join send_messages
        on opt_outs.message_id = send_messages.message_id
    where opt_outs.campaign_id is null or opt_outs.campaign_id = send_messages.campaign_id

),

-- 2. the opt-out names an inbound reply (a STOP) credited to the send
opt_outs_by_reply as (

    select
        opt_outs.opt_event_id,
        inbound_attributed.account_id,
        inbound_attributed.attributed_campaign_id as campaign_id,
        inbound_attributed.attributed_step_number as step_number,
        inbound_attributed.contact_id,
        opt_outs.occurred_at,
        2 as attribution_priority
    from opt_outs
    inner join inbound_attributed
        on opt_outs.message_id = inbound_attributed.message_id
    where
        inbound_attributed.attributed_campaign_id is not null
        and inbound_attributed.attributed_step_number is not null
        and (
            opt_outs.campaign_id is null
            or opt_outs.campaign_id = inbound_attributed.attributed_campaign_id
        )

),

-- 3. the opt-out names the campaign (or enrollment): the latest step sent to the contact before it
opt_outs_by_campaign as (

    select
        opt_outs.opt_event_id,
        recipients.account_id,
        recipients.campaign_id,
        recipients.step_number,
        recipients.contact_id,
        opt_outs.occurred_at,
        3 as attribution_priority,
        row_number() over (
            partition by opt_outs.opt_event_id
            order by recipients.first_sent_at desc, recipients.step_number desc
        ) as step_recency
    from opt_outs
    inner join recipients
        on
            opt_outs.account_id = recipients.account_id
            and opt_outs.contact_id = recipients.contact_id
            and opt_outs.campaign_id = recipients.campaign_id
            and opt_outs.occurred_at >= recipients.first_sent_at

),

opt_out_candidates as (

    select * from opt_outs_by_sent_message
    union all
    select * from opt_outs_by_reply
    union all
    select
        opt_event_id,
        account_id,
        campaign_id,
        step_number,
        contact_id,
        occurred_at,
        attribution_priority
    from opt_outs_by_campaign
    where step_recency = 1

),

attributed_opt_outs as (

    select
        *,
        row_number() over (
            partition by opt_event_id
            order by attribution_priority
        ) as attribution_rank
    from opt_out_candidates

),

recipient_opt_outs as (

    select
        account_id,
        campaign_id,
        step_number,
        contact_id,
        min(occurred_at) as first_unsubscribed_at
    from attributed_opt_outs
    where attribution_rank = 1
    group by account_id, campaign_id, step_number, contact_id

),

final as (

    select
        {{ generate_surrogate_key(['recipients.campaign_id', 'recipients.step_number', 'recipients.contact_id']) }}
            as send_recipient_id,
        recipients.account_id,
        recipients.campaign_id,
        cast(recipients.step_number as {{ dbt.type_int() }}) as step_number,
        recipients.template_id,
        recipients.contact_id,
        recipients.enrollment_id,
        recipients.message_id,
        cast(recipients.messages_sent as {{ dbt.type_int() }}) as messages_sent,
        recipients.first_sent_at,
        recipients.delivery_outcome,
        recipients.was_delivered,
        not recipients.was_delivered
        and recipients.delivery_outcome = 'soft_bounce' as is_soft_bounced,
        not recipients.was_delivered
        and recipients.delivery_outcome = 'hard_bounce' as is_hard_bounced,
        cast(coalesce(recipient_clicks.clicks, 0) as {{ dbt.type_int() }}) as clicks,
        recipient_clicks.clicks is not null as clicked,
        recipient_clicks.first_clicked_at,
        recipient_replies.replies is not null as replied,
        recipient_replies.first_replied_at,
        recipient_opt_outs.first_unsubscribed_at is not null as unsubscribed,
        recipient_opt_outs.first_unsubscribed_at,
        recipients.was_delivered
        and recipient_clicks.clicks is null
        and recipient_replies.replies is null as is_re_engagement_audience,
        cast(recipients.credits as {{ dbt.type_int() }}) as credits,
        contact_loads._loaded_at
    from recipients
    left join contact_loads
        on
            recipients.account_id = contact_loads.account_id
            and recipients.contact_id = contact_loads.contact_id
    left join recipient_clicks
        on
            recipients.account_id = recipient_clicks.account_id
            and recipients.campaign_id = recipient_clicks.campaign_id
            and recipients.step_number = recipient_clicks.step_number
            and recipients.contact_id = recipient_clicks.contact_id
    left join recipient_replies
        on
            recipients.account_id = recipient_replies.account_id
            and recipients.campaign_id = recipient_replies.campaign_id
            and recipients.step_number = recipient_replies.step_number
            and recipients.contact_id = recipient_replies.contact_id
    left join recipient_opt_outs
        on
            recipients.account_id = recipient_opt_outs.account_id
            and recipients.campaign_id = recipient_opt_outs.campaign_id
            and recipients.step_number = recipient_opt_outs.step_number
            and recipients.contact_id = recipient_opt_outs.contact_id

)

select * from final
