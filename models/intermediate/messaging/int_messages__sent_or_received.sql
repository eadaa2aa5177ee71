{{ config(materialized='table') }}

{#
    The messages sent to or received from a contact (not canceled): every inbound message, and
    every outbound message except those the platform canceled before sending (final delivery status
    'canceled', from int_messages__delivery_outcome). A canceled message never reached the
    contact, so it cannot be replied to, cannot answer a streak, is not an initial and is not
    part of a text conversation.
    Adds the account-local timestamp, day and hour used by the conversation models.
#}

with

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

delivery_outcomes as (

    select * from {{ ref('int_messages__delivery_outcome') }}

),

canceled as (

    select message_id from delivery_outcomes
    where final_status = 'canceled'

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
        messages.media_count
    from messages
    left join accounts
        on messages.account_id = accounts.account_id
    left join canceled
        on messages.message_id = canceled.message_id
    where canceled.message_id is null

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
        media_count
    from localized

)

select * from final
