{#- A table, not a view: fct_messages reads it three times (its incremental change detection
    twice and its join), fct_enrollments and the data tests once each, and a view computes its
    window over every outbound message anew for each of them. Incremental by enrollment
    (incremental_rebuild_filter): a run rebuilds each enrollment with a message (of any version,
    or its delivery event, account or campaign) loaded since the newest load it holds, and each
    enrollment loaded since or whose campaign, campaign steps or campaign's account changed;
    _loaded_at is the newest load of the enrollment and its outbound messages. -#}
{%- set enrollment = ['enrollment_id'] -%}
{%- set also = ['campaign_steps'] -%}
{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key='enrollment_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['enrollment_id'], ['campaign_steps']) }}",
    )
}}

{#
    One row per campaign enrollment with the first outbound message sent in it (the delivery
    rate's "first message") and its initial (the campaign box's "initials sent": kpi-spec,
    "enrollments whose first step message was sent"): the earliest outbound message carrying
    the enrollment_id, and the earliest one at the campaign's first step (step 1 when the
    campaign lists no steps); ties broken by message_id. Canceled messages were never sent and
    are skipped (int_messages__sent_or_received).
    Enrollments with no outbound message yet keep a row with null first_message_* (the
    "x of N" of the campaign box needs them).
#}

with

enrollments as (

    select * from {{ ref('stg_platform__campaign_enrollments') }}
    {{ incremental_rebuild_filter(enrollment, also) }}

),

campaigns as (

    select * from {{ ref('stg_platform__campaigns') }}

),

campaign_steps as (

    select * from {{ ref('stg_platform__campaign_steps') }}

),

messages as (

    select * from {{ ref('int_messages__sent_or_received') }}
    {{ incremental_rebuild_filter(enrollment, also) }}

),

first_steps as (

    select
        campaign_id,
        min(step_number) as first_step_number
    from campaign_steps
    group by campaign_id

),

enrollment_outbound as (

    select
        enrollment_id,
        message_id,
        created_at,
        template_id,
        step_number,
        row_number() over (
            partition by enrollment_id
            order by created_at, message_id
        ) as message_rank,
        max(_loaded_at) over (partition by enrollment_id) as messages_loaded_at
    from messages
    where
        direction = 'outbound'
        and enrollment_id is not null

),

first_messages as (

    select * from enrollment_outbound
    where message_rank = 1

),

first_step_messages as (

    select
        enrollment_outbound.enrollment_id,
        enrollment_outbound.message_id,
        row_number() over (
            partition by enrollment_outbound.enrollment_id
            order by enrollment_outbound.created_at, enrollment_outbound.message_id
        ) as initial_rank
    from enrollment_outbound
    inner join enrollments
        on enrollment_outbound.enrollment_id = enrollments.enrollment_id
    left join first_steps
        on enrollments.campaign_id = first_steps.campaign_id
    where enrollment_outbound.step_number = coalesce(first_steps.first_step_number, 1)

),

initials as (

    select * from first_step_messages
    where initial_rank = 1

),

final as (

    select
        enrollments.enrollment_id,
        enrollments.campaign_id,
        enrollments.contact_id,
        campaigns.account_id,
        enrollments.assigned_user_id,
        enrollments.enrolled_at,
        first_messages.message_id as first_message_id,
        first_messages.created_at as first_message_at,
        first_messages.template_id,
        first_messages.step_number,
        initials.message_id as initial_message_id,
        case
            when first_messages.messages_loaded_at > enrollments._loaded_at
                then first_messages.messages_loaded_at
            else enrollments._loaded_at
        end as _loaded_at
    from enrollments
    left join campaigns
        on enrollments.campaign_id = campaigns.campaign_id
    left join first_messages
        on enrollments.enrollment_id = first_messages.enrollment_id
    left join initials
        on enrollments.enrollment_id = initials.enrollment_id

)

select * from final
