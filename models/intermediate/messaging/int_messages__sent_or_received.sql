{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key='message_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['message_id']) }}",
    )
}}

{#
    The messages sent to or received from a contact (not canceled): every inbound message, and
    every outbound message except those the platform canceled before sending (final delivery status
    'canceled', from int_messages__delivery_outcome). A canceled message never reached the
    contact, so it cannot be replied to, cannot answer a streak, is not an initial and is not
    part of a text conversation.
    Adds the account-local timestamp, day and hour used by the conversation models.
    Incremental: rebuilds every message staged again or with a delivery event loaded since the
    newest load it holds (incremental_rebuild_filter), and deletes their old rows first, so a
    message canceled late leaves; the result equals a full build.
#}

with

messages as (

    select * from {{ ref('stg_platform__messages') }}
    {{ incremental_rebuild_filter(['message_id']) }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

delivery_outcomes as (

    select * from {{ ref('int_messages__delivery_outcome') }}

),

localized as (

    select
        messages.message_id,
        messages.account_id,
        messages.contact_id,
        messages.direction,
        messages.created_at,
        {{ to_local_timestamp('messages.created_at', 'accounts.time_zone') }} as created_at_local,
        messages.phone_number_id,
        messages.inbox_id,
        messages.user_id,
        messages.campaign_id,
        messages.enrollment_id,
        messages.template_id,
        messages.step_number,
        messages.send_type,
        messages.media_count,
        -- an outbound message's outcome was loaded with or after the message (its newest event)
        coalesce(delivery_outcomes._loaded_at, messages._loaded_at) as _loaded_at
    from messages
    left join accounts
        on messages.account_id = accounts.account_id
    left join delivery_outcomes
        on messages.message_id = delivery_outcomes.message_id
    where delivery_outcomes.final_status is null or delivery_outcomes.final_status <> 'canceled'

),

final as (

    select
        message_id,
        account_id,
        contact_id,
        direction,
        created_at,
        created_at_local,
        cast(created_at_local as date) as date_day,
        cast(extract(hour from created_at_local) as integer) as hour_of_day,
        phone_number_id,
        inbox_id,
        user_id,
        campaign_id,
        enrollment_id,
        template_id,
        step_number,
        send_type,
        media_count,
        _loaded_at
    from localized

)

select * from final
