{#
    One row per platform opt event with the campaign it belongs to (kpi-spec "Opt-outs": it
    names the campaign, one of its enrollments, or a message attributed to it). An opt event
    is one opt-out, so it belongs to one campaign, the most specific link winning: the
    campaign of the enrollment it names, else the campaign it names, else the campaign of the
    message it names (an outbound message's own, an inbound reply's by attribution). Its
    template is the named message's. The Reporting page and the send report read this one
    rule.
#}

with

opt_events as (

    select * from {{ ref('stg_platform__opt_events') }}

),

enrollments as (

    select * from {{ ref('stg_platform__campaign_enrollments') }}

),

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

inbound_attributed as (

    select * from {{ ref('int_messages__inbound_attributed') }}

),

linked_messages as (

    select
        message_id,
        campaign_id,
        template_id
    from messages
    where direction = 'outbound'
    union all
    select
        message_id,
        attributed_campaign_id as campaign_id,
        attributed_template_id as template_id
    from inbound_attributed

),

final as (

    select
        opt_events.opt_event_id,
        opt_events.account_id,
        opt_events.contact_id,
        opt_events.direction,
        opt_events.method,
        opt_events.occurred_at,
        opt_events.enrollment_id,
        opt_events.message_id,
        coalesce(
            enrollments.campaign_id, opt_events.campaign_id, linked_messages.campaign_id
        ) as campaign_id,
        linked_messages.template_id
    from opt_events
    left join enrollments
        on opt_events.enrollment_id = enrollments.enrollment_id
    left join linked_messages
        on opt_events.message_id = linked_messages.message_id

)

select * from final
