{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key=['account_id', 'contact_id'],
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(
            ['account_id', 'contact_id'], also=['campaign_enrollments']) }}",
    )
}}

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
    (int_messages__sent_or_received).
    What a reply is (kpi-spec "What a reply is"): an inbound message is a reply to a campaign
    only when that campaign's first outbound message to the contact came strictly before it.
    A platform campaign_id naming a campaign that had not yet written to the contact (the
    keyword that starts a keyword-campaign enrollment) leaves the message unattributed: it is
    no reply, and the window does not re-credit it to another campaign (the platform wins).
    An inbound message is never tied to an enrollment that starts after it: such an
    enrollment_id is dropped, and a missing one is resolved from the campaign and contact as
    the latest enrollment of the contact in that campaign at or before the message.
    Incremental: a message's attribution reads only its own conversation (account x contact)
    and the contact's enrollments, so a run rebuilds every conversation touched since the
    newest load it holds, whole (incremental_rebuild_filter), and every conversation of a
    contact with an enrollment loaded since; _loaded_at is the conversation's newest load.
#}

{#- A full build reads the messages by name: a CTE read five times is materialized whole, every
    column of every message (a sixth of this model's CPU at 1 M); an incremental run's touched
    conversations are few, and one CTE. -#}
{%- set rebuild_filter = incremental_rebuild_filter(
    ['account_id', 'contact_id'], also=['campaign_enrollments']
) %}
{%- set messages = 'messages' if rebuild_filter | trim else ref('int_messages__sent_or_received') %}

with

{% if rebuild_filter | trim -%}
    messages as (

        select * from {{ ref('int_messages__sent_or_received') }}
        {{ rebuild_filter }}

    ),
{%- endif %}

conversation_loads as (

    select
        account_id,
        contact_id,
        max(_loaded_at) as _loaded_at
    from {{ messages }}
    group by account_id, contact_id

),

enrollments as (

    select * from {{ ref('stg_platform__campaign_enrollments') }}

),

campaign_first_outbound as (

    -- when each campaign first wrote to each contact: only later inbound messages are replies
    select
        account_id,
        contact_id,
        campaign_id,
        min(created_at) as first_outbound_at
    from {{ messages }}
    where direction = 'outbound' and campaign_id is not null
    group by account_id, contact_id, campaign_id

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
    from {{ messages }}

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
        window_messages.step_number as window_step_number,
        platform_campaigns.first_outbound_at as platform_campaign_first_outbound_at
    from {{ messages }} as inbound_messages
    left join latest_outbound
        on inbound_messages.message_id = latest_outbound.message_id
    left join {{ messages }} as window_messages
        on latest_outbound.window_message_id = window_messages.message_id
    left join campaign_first_outbound as platform_campaigns
        on
            inbound_messages.account_id = platform_campaigns.account_id
            and inbound_messages.contact_id = platform_campaigns.contact_id
            and inbound_messages.campaign_id = platform_campaigns.campaign_id
    where inbound_messages.direction = 'inbound'

),

sourced as (

    select
        *,
        -- a platform campaign that had not written to the contact yet: no reply at all
        case
            when platform_campaign_id is not null
                then
                    case
                        when platform_campaign_first_outbound_at < created_at then 'platform'
                    end
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
            when attribution_source = 'platform' and is_window_same_campaign then window_message_id
        end as attributed_message_id,
        case
            when attribution_source = 'platform' then platform_campaign_id
            when attribution_source = 'window' then window_campaign_id
        end as attributed_campaign_id,
        -- platform: the inbound message's own values, else the window's when same campaign
        case
            when attribution_source = 'window' then window_template_id
            when attribution_source = 'platform' and is_window_same_campaign
                then coalesce(platform_template_id, window_template_id)
            when attribution_source = 'platform' then platform_template_id
        end as attributed_template_id,
        case
            when attribution_source = 'window' then window_step_number
            when attribution_source = 'platform' and is_window_same_campaign
                then coalesce(platform_step_number, window_step_number)
            when attribution_source = 'platform' then platform_step_number
        end as attributed_step_number,
        case
            when attribution_source = 'window' then window_enrollment_id
            when attribution_source = 'platform' and is_window_same_campaign
                then coalesce(platform_enrollment_id, window_enrollment_id)
            when attribution_source = 'platform' then platform_enrollment_id
        end as named_enrollment_id
    from sourced

),

checked_enrollments as (

    -- an enrollment that starts after the message is not the one it answers
    select
        credited.*,
        case
            when enrollments.enrolled_at > credited.created_at then null
            else credited.named_enrollment_id
        end as attributed_enrollment_id
    from credited
    left join enrollments
        on credited.named_enrollment_id = enrollments.enrollment_id

),

unresolved_enrollments as (

    select
        message_id,
        contact_id,
        created_at,
        attributed_campaign_id
    from checked_enrollments
    where
        attributed_enrollment_id is null
        and attributed_campaign_id is not null

),

enrollments_at_the_time as (

    {{ latest_enrollment_at_or_before(
        'unresolved_enrollments', 'message_id', 'attributed_campaign_id', 'created_at'
    ) }}

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
            enrollments_at_the_time.enrollment_id
        ) as attributed_enrollment_id,
        credited.attribution_source,
        conversation_loads._loaded_at
    from checked_enrollments as credited
    left join enrollments_at_the_time
        on
            credited.message_id = enrollments_at_the_time.message_id
            and enrollments_at_the_time.recency = 1
    left join conversation_loads
        on
            credited.account_id = conversation_loads.account_id
            and credited.contact_id = conversation_loads.contact_id

)

select * from final
