{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key=['account_id', 'contact_id'],
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['account_id', 'contact_id']) }}",
    )
}}

{#
    Bridge from a text conversation (contact x account x local day, see int_text_conversations)
    to the business numbers ("trackers") its messages went through, with the message count per
    number. A conversation with messages through two numbers has two rows; the tracker filter
    ("conversations with at least one message through the selected number") is a semi-join
    on this bridge. conversation_id is built exactly as in int_text_conversations.
    Incremental by account x contact, as int_text_conversations (incremental_rebuild_filter);
    _loaded_at is the contact's newest load.
#}

with

messages as (

    select * from {{ ref('int_messages__sent_or_received') }}
    {{ incremental_rebuild_filter(['account_id', 'contact_id']) }}

),

conversation_messages as (

    select
        messages.account_id,
        messages.contact_id,
        messages.phone_number_id,
        messages.created_at,
        messages.date_day as conversation_date,
        messages._loaded_at
    from messages
    where messages.phone_number_id is not null

),

per_number as (

    select
        account_id,
        contact_id,
        conversation_date,
        phone_number_id,
        count(*) as messages,
        min(created_at) as first_message_at,
        max(created_at) as last_message_at,
        max(_loaded_at) as number_loaded_at
    from conversation_messages
    group by account_id, contact_id, conversation_date, phone_number_id

),

contact_loads as (

    -- the contact's newest load, from the aggregated rows (a window over per_number was
    -- planned as this aggregate joined back, with per_number computed a second time for it);
    -- account and contact are required in staging, so the equality join loses no row
    select
        account_id,
        contact_id,
        max(number_loaded_at) as _loaded_at
    from per_number
    group by account_id, contact_id

),

final as (

    select
        {{ generate_surrogate_key(['per_number.account_id', 'per_number.contact_id', 'per_number.conversation_date']) }}
            as conversation_id,
        per_number.phone_number_id,
        per_number.account_id,
        per_number.contact_id,
        per_number.conversation_date,
        per_number.messages,
        per_number.first_message_at,
        per_number.last_message_at,
        contact_loads._loaded_at
    from per_number
    inner join contact_loads
        on
            per_number.account_id = contact_loads.account_id
            and per_number.contact_id = contact_loads.contact_id

)

select * from final
