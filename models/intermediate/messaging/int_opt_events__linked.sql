{#- A table on DuckDB too (as on PostgreSQL): four models and a test read it, each of which
    computed the view (and the opt events' and enrollments' staging under it) again. Spark
    keeps its intermediate views. -#}
{{ config(materialized=('view' if target.type == 'spark' else 'table')) }}

{#
    One row per platform opt event with the campaign it belongs to (kpi-spec "Opt-outs": it
    names the campaign, one of its enrollments, or a message attributed to it). An opt event
    is one opt-out, so it belongs to one campaign, the most specific link winning: the
    campaign of the enrollment it names, else the campaign it names, else the campaign of the
    message it names (an outbound message's own, an inbound reply's by attribution). Its
    template is the named message's. It opts out one enrollment of that campaign: the one it
    names, else the named message's, else the contact's latest enrollment in the campaign
    that started at or before it. The Reporting page, the send report and the campaign box
    read this one rule.
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
        template_id,
        enrollment_id
    from messages
    where direction = 'outbound'
    union all
    select
        message_id,
        attributed_campaign_id as campaign_id,
        attributed_template_id as template_id,
        attributed_enrollment_id as enrollment_id
    from inbound_attributed

),

linked as (

    select
        opt_events.*,
        coalesce(
            named_enrollments.campaign_id, opt_events.campaign_id, linked_messages.campaign_id
        ) as linked_campaign_id,
        named_enrollments.enrollment_id as named_enrollment_id,
        linked_messages.campaign_id as message_campaign_id,
        linked_messages.enrollment_id as message_enrollment_id,
        linked_messages.template_id
    from opt_events
    left join enrollments as named_enrollments
        on opt_events.enrollment_id = named_enrollments.enrollment_id
    left join linked_messages
        on opt_events.message_id = linked_messages.message_id

),

enrollments_at_the_time as (

    {{ latest_enrollment_at_or_before('linked', 'opt_event_id', 'linked_campaign_id', 'occurred_at') }}

),

final as (

    select
        linked.opt_event_id,
        linked.account_id,
        linked.contact_id,
        linked.direction,
        linked.method,
        linked.occurred_at,
        linked.message_id,
        linked.linked_campaign_id as campaign_id,
        coalesce(
            linked.named_enrollment_id,
            case
                when linked.message_campaign_id = linked.linked_campaign_id
                    then linked.message_enrollment_id
            end,
            enrollments_at_the_time.enrollment_id
        ) as enrollment_id,
        linked.template_id
    from linked
    left join enrollments_at_the_time
        on
            linked.opt_event_id = enrollments_at_the_time.opt_event_id
            and enrollments_at_the_time.recency = 1

)

select * from final
