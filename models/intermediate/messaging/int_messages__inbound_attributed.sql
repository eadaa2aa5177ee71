{{ config(materialized='table') }}

{#
    One row per inbound message, credited to the latest outbound message to the same
    contact from the same account strictly before it, when that outbound message is at most
    var('attribution_window_days') days older. A campaign_id the platform put on the inbound
    message wins over the window.

    No range join: every message of a conversation (account x contact) is numbered in time
    order, each row carries the number of the latest outbound message seen so far (a running
    max, portable where last_value(... ignore nulls) is not), and the inbound rows are joined
    back to that one outbound row by equality.
    Ties on created_at put inbound first: an outbound message at the very same instant is not
    "before" the reply. Canceled outbound messages never reached the contact and are ignored
    (int_messages__exchanged).
    When neither the platform nor the credited outbound message names the enrollment, it is
    resolved from the campaign and contact: the latest enrollment of the contact in that
    campaign at or before the reply, else the earliest after it.
#}

with

messages as (

    select * from {{ ref('int_messages__exchanged') }}

),

enrollments as (

    select * from {{ ref('stg_platform__campaign_enrollments') }}

),

conversation_messages as (

    select
        message_id,
        account_id,
        contact_id,
        direction,
        created_at,
        campaign_id,
        enrollment_id,
        template_id,
        step_number
    from messages

),

sequenced as (

    select
        *,
        row_number() over (
            partition by account_id, contact_id
            order by
                created_at,
                case when direction = 'inbound' then 0 else 1 end,
                message_id
        ) as conversation_seq
    from conversation_messages

),

carried as (

    select
        *,
        max(case when direction = 'outbound' then conversation_seq end) over (
            partition by account_id, contact_id
            order by conversation_seq
            rows between unbounded preceding and current row
        ) as last_outbound_seq
    from sequenced

),

inbound as (

    select * from carried
    where direction = 'inbound'

),

outbound as (

    select
        account_id,
        contact_id,
        conversation_seq,
        message_id,
        created_at,
        campaign_id,
        enrollment_id,
        template_id,
        step_number
    from sequenced
    where direction = 'outbound'

),

windowed as (

    select
        inbound.message_id,
        inbound.account_id,
        inbound.contact_id,
        inbound.created_at,
        inbound.campaign_id as platform_campaign_id,
        inbound.enrollment_id as platform_enrollment_id,
        inbound.template_id as platform_template_id,
        inbound.step_number as platform_step_number,
        outbound.message_id as window_message_id,
        outbound.campaign_id as window_campaign_id,
        outbound.enrollment_id as window_enrollment_id,
        outbound.template_id as window_template_id,
        outbound.step_number as window_step_number
    from inbound
    left join outbound
        on
            inbound.account_id = outbound.account_id
            and inbound.contact_id = outbound.contact_id
            and inbound.last_outbound_seq = outbound.conversation_seq
            and outbound.created_at
            >= {{ dbt.dateadd('day', -1 * var('attribution_window_days'), 'inbound.created_at') }}

),

sourced as (

    select
        *,
        case
            when platform_campaign_id is not null then 'platform'
            when window_message_id is not null then 'window'
        end as attribution_source,
        coalesce(
            platform_campaign_id is not null
            and window_campaign_id = platform_campaign_id,
            false
        ) as is_window_same_campaign
    from windowed

),

credited as (

    select
        message_id,
        account_id,
        contact_id,
        created_at,
        attribution_source,
        case
            when attribution_source = 'window' then window_message_id
            when is_window_same_campaign then window_message_id
        end as attributed_message_id,
        case
            when attribution_source = 'platform' then platform_campaign_id
            else window_campaign_id
        end as attributed_campaign_id,
        -- platform: the inbound message's own values, else the window's when same campaign
        case
            when attribution_source = 'window' then window_template_id
            when is_window_same_campaign then coalesce(platform_template_id, window_template_id)
            else platform_template_id
        end as attributed_template_id,
        case
            when attribution_source = 'window' then window_step_number
            when is_window_same_campaign then coalesce(platform_step_number, window_step_number)
            else platform_step_number
        end as attributed_step_number,
        case
            when attribution_source = 'window' then window_enrollment_id
            when is_window_same_campaign then coalesce(platform_enrollment_id, window_enrollment_id)
            else platform_enrollment_id
        end as attributed_enrollment_id
    from sourced

),

unresolved_enrollments as (

    select
        message_id,
        contact_id,
        created_at,
        attributed_campaign_id
    from credited
    where
        attributed_enrollment_id is null
        and attributed_campaign_id is not null

),

enrollment_matches as (

    select
        unresolved_enrollments.message_id,
        enrollments.enrollment_id,
        enrollments.enrolled_at,
        case when enrollments.enrolled_at <= unresolved_enrollments.created_at then 0 else 1 end
            as is_after_reply,
        case
            when enrollments.enrolled_at <= unresolved_enrollments.created_at then enrollments.enrolled_at
        end as enrolled_before_reply_at
    from unresolved_enrollments
    inner join enrollments
        on
            unresolved_enrollments.attributed_campaign_id = enrollments.campaign_id
            and unresolved_enrollments.contact_id = enrollments.contact_id

),

enrollment_candidates as (

    -- the latest enrollment at or before the reply, else the earliest after it
    select
        message_id,
        enrollment_id,
        row_number() over (
            partition by message_id
            order by
                is_after_reply asc,
                enrolled_before_reply_at desc,
                enrolled_at asc,
                enrollment_id asc
        ) as candidate_rank
    from enrollment_matches

),

resolved_enrollments as (

    select
        message_id,
        enrollment_id
    from enrollment_candidates
    where candidate_rank = 1

),

final as (

    select
        credited.message_id,
        credited.account_id,
        credited.contact_id,
        credited.created_at,
        credited.attributed_message_id,
        credited.attributed_campaign_id,
        credited.attributed_template_id,
        credited.attributed_step_number,
        coalesce(
            credited.attributed_enrollment_id,
            resolved_enrollments.enrollment_id
        ) as attributed_enrollment_id,
        credited.attribution_source
    from credited
    left join resolved_enrollments
        on credited.message_id = resolved_enrollments.message_id

)

select * from final
