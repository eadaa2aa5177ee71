{{ config(materialized='table') }}

{#
    One row per inbound message, credited to the latest outbound message to the same
    contact from the same account strictly before it, when that outbound message is at most
    var('attribution_window_days') days older. A campaign_id the platform put on the inbound
    message wins over the window.

    No range join and no last_value(... ignore nulls) (not portable): one running count of
    outbound messages per conversation (account x contact) in time order numbers every
    outbound message, and gives each inbound message the number of the latest outbound
    message before it; the inbound row is joined back to that one outbound row by equality.
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

numbered as (

    -- outbound_ordinal: how many outbound messages the conversation has had so far, this one
    -- included. An outbound message's own ordinal identifies it; an inbound message's ordinal
    -- is that of the latest outbound message before it (one sort, no range join). Only the
    -- keys go through the sort (half the cost); details are joined back by message_id.
    -- Ordering by direction puts 'inbound' before 'outbound' on equal created_at.
    select
        message_id,
        account_id,
        contact_id,
        direction,
        created_at,
        sum(case when direction = 'outbound' then 1 else 0 end) over (
            partition by account_id, contact_id
            order by created_at asc, direction asc, message_id asc
            rows between unbounded preceding and current row
        ) as outbound_ordinal
    from messages

),

inbound as (

    select * from numbered
    where direction = 'inbound'

),

outbound as (

    select * from numbered
    where direction = 'outbound'

),

latest_outbound as (

    select
        inbound.message_id,
        outbound.message_id as window_message_id
    from inbound
    inner join outbound
        on
            inbound.account_id = outbound.account_id
            and inbound.contact_id = outbound.contact_id
            and inbound.outbound_ordinal = outbound.outbound_ordinal
    where
        outbound.created_at
        >= {{ dbt.dateadd('day', -1 * var('attribution_window_days'), 'inbound.created_at') }}

),

windowed as (

    select
        inbound_messages.message_id,
        inbound_messages.account_id,
        inbound_messages.contact_id,
        inbound_messages.created_at,
        inbound_messages.campaign_id as platform_campaign_id,
        inbound_messages.enrollment_id as platform_enrollment_id,
        inbound_messages.template_id as platform_template_id,
        inbound_messages.step_number as platform_step_number,
        window_messages.message_id as window_message_id,
        window_messages.campaign_id as window_campaign_id,
        window_messages.enrollment_id as window_enrollment_id,
        window_messages.template_id as window_template_id,
        window_messages.step_number as window_step_number
    from messages as inbound_messages
    left join latest_outbound
        on inbound_messages.message_id = latest_outbound.message_id
    left join messages as window_messages
        on latest_outbound.window_message_id = window_messages.message_id
    where inbound_messages.direction = 'inbound'

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
