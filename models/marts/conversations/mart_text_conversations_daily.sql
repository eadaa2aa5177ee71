{#
    Text conversation volume per account and local day (kpi-spec "Text conversations"):
    conversations, conversation_messages, conversation_inbound_messages,
    conversation_outbound_messages. Additive over days (each conversation is one day).
    With a tracker filter, count from fct_text_conversations semi-joined to
    bdg_text_conversation_trackers instead (a conversation may use several numbers).
#}

with

conversations as (

    select * from {{ ref('fct_text_conversations') }}

),

daily as (

    select
        account_id,
        date_day,
        count(*) as conversations,
        sum(total_messages) as conversation_messages,
        sum(inbound_messages) as conversation_inbound_messages,
        sum(outbound_messages) as conversation_outbound_messages
    from conversations
    group by account_id, date_day

),

final as (

    select
        account_id,
        date_day,
        cast(conversations as bigint) as conversations,
        cast(conversation_messages as bigint) as conversation_messages,
        cast(conversation_inbound_messages as bigint) as conversation_inbound_messages,
        cast(conversation_outbound_messages as bigint) as conversation_outbound_messages
    from daily

)

select * from final
