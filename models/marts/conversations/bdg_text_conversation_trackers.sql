{#
    Bridge: text conversation x business number (tracker) it used, with messages per number.
    "Conversations with at least one message through number N" =
        conversation_id in (select conversation_id from this where phone_number_id = N).
#}

with

trackers as (

    select * from {{ ref('int_text_conversations__trackers') }}

),

final as (

    select
        conversation_id,
        phone_number_id,
        account_id,
        contact_id,
        conversation_date as date_day,
        cast(messages as integer) as messages,
        first_message_at,
        last_message_at
    from trackers

)

select * from final
