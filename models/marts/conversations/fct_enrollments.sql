{#
    One row per campaign enrollment (one contact in one campaign: a campaign "conversation"),
    the grain of the campaign box and of the conversation export:
      - the initial: first message at the campaign's first step (int_enrollments__first_message);
      - messages exchanged in the enrollment: outbound carrying its enrollment_id, inbound
        attributed to it (int_messages__inbound_attributed);
      - replied: at least one inbound message attributed to the enrollment (opted-out ones
        included), with the step and template of its first reply;
      - opted out in THIS campaign and how: the first opt-out opt_event with method keyword /
        ai_filter (auto) or manual that belongs to this enrollment (int_opt_events__linked:
        named on it, or on its campaign, or on a message of it). Opt-outs from other
        campaigns, the management page, imports or carriers do not count here.
    Every source is aggregated to one row per enrollment before it is joined.
    Incremental by enrollment (incremental_rebuild_filter, 'replies'): a run rebuilds each
    enrollment int_enrollments__first_message rebuilds, and each one a message (any version)
    or opt event of a conversation touched since the newest load it holds names, is credited
    to or may be credited to (an enrollment of the contact), so a reply or opt-out moving to
    another enrollment rebuilds both; _loaded_at is the newest load of the enrollment, its
    outbound messages (int_enrollments__first_message's) and its replies' conversations.
#}

{%- set enrollment = ['enrollment_id'] -%}
{%- set also = ['campaign_steps', 'replies'] -%}

{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key='enrollment_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['enrollment_id'], ['campaign_steps', 'replies']) }}",
    )
}}

with

first_messages as (

    select * from {{ ref('int_enrollments__first_message') }}
    {{ incremental_rebuild_filter(enrollment, also) }}

),

messages as (

    select * from {{ ref('int_messages__sent_or_received') }}
    {{ incremental_rebuild_filter(enrollment, also) }}

),

attributed as (

    select * from {{ ref('int_messages__inbound_attributed') }}
    {%- if rebuild_reread_from() is not none %}
    where attributed_enrollment_id in (select enrollment_id from {{ rebuilt_groups() }})
    {%- endif %}

),

opt_events as (

    select * from {{ ref('int_opt_events__linked') }}
    {{ incremental_rebuild_filter(enrollment, also) }}

),

outbound_counts as (

    select
        enrollment_id,
        count(*) as outbound_messages,
        min(created_at) as first_outbound_at,
        max(created_at) as last_outbound_at
    from messages
    where
        direction = 'outbound'
        and enrollment_id is not null
    group by enrollment_id

),

ranked_replies as (

    select
        attributed_enrollment_id as enrollment_id,
        message_id,
        created_at,
        attributed_step_number,
        attributed_template_id,
        row_number() over (
            partition by attributed_enrollment_id
            order by created_at, message_id
        ) as reply_rank,
        count(*) over (partition by attributed_enrollment_id) as inbound_messages,
        max(created_at) over (partition by attributed_enrollment_id) as last_inbound_at,
        max(_loaded_at) over (partition by attributed_enrollment_id) as replies_loaded_at
    from attributed
    where attributed_enrollment_id is not null

),

first_replies as (

    select * from ranked_replies
    where reply_rank = 1

),

opt_outs_by_enrollment as (

    -- kpi-spec Opt-outs: the campaign and enrollment an opt event belongs to are decided once,
    -- in int_opt_events__linked; only keyword, ai_filter and manual opt-outs count here
    select
        enrollment_id,
        opt_event_id,
        method,
        occurred_at
    from opt_events
    where
        direction = 'opt_out'
        and method in ('keyword', 'ai_filter', 'manual')
        and enrollment_id is not null

),

ranked_opt_outs as (

    select
        *,
        row_number() over (
            partition by enrollment_id
            order by occurred_at, opt_event_id
        ) as opt_out_rank
    from opt_outs_by_enrollment

),

first_opt_outs as (

    select * from ranked_opt_outs
    where opt_out_rank = 1

),

final as (

    select
        first_messages.enrollment_id,
        first_messages.campaign_id,
        first_messages.account_id,
        first_messages.contact_id,
        first_messages.assigned_user_id,
        first_messages.enrolled_at,
        first_messages.first_message_id,
        first_messages.first_message_at,
        first_messages.template_id as first_message_template_id,
        cast(first_messages.step_number as integer) as first_message_step_number,
        first_messages.initial_message_id is not null as is_initial_sent,
        cast(coalesce(outbound_counts.outbound_messages, 0) as integer) as outbound_messages,
        cast(coalesce(first_replies.inbound_messages, 0) as integer) as inbound_messages,
        {{ earlier_of('first_replies.created_at', 'outbound_counts.first_outbound_at') }}
            as first_conversation_message_at,
        {{ later_of('first_replies.last_inbound_at', 'outbound_counts.last_outbound_at') }}
            as last_conversation_message_at,
        first_replies.message_id is not null as has_replied,
        first_replies.message_id as first_reply_message_id,
        first_replies.created_at as first_replied_at,
        cast(first_replies.attributed_step_number as integer) as reply_step_number,
        first_replies.attributed_template_id as reply_template_id,
        first_opt_outs.opt_event_id is not null as is_opted_out,
        first_opt_outs.opt_event_id as opt_out_event_id,
        first_opt_outs.occurred_at as opted_out_at,
        first_opt_outs.method as opt_out_method,
        coalesce(first_opt_outs.method in ('keyword', 'ai_filter'), false) as is_auto_opt_out,
        coalesce(first_opt_outs.method = 'manual', false) as is_manual_opt_out,
        case
            when first_replies.replies_loaded_at > first_messages._loaded_at
                then first_replies.replies_loaded_at
            else first_messages._loaded_at
        end as _loaded_at
    from first_messages
    left join outbound_counts
        on first_messages.enrollment_id = outbound_counts.enrollment_id
    left join first_replies
        on first_messages.enrollment_id = first_replies.enrollment_id
    left join first_opt_outs
        on first_messages.enrollment_id = first_opt_outs.enrollment_id

)

select * from final
