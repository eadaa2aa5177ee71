{#
    One row per text conversation (CallRail): one contact with one account on one local
    calendar day. Counts are the whole day's conversation regardless of filters;
    number_name_phone_number_id ("number name") is the number most recently used with the
    contact as of the latest data, the same on every row of the contact regardless of filters
    and of the row's day; last_phone_number_id is the latest number as of the end of the row's
    day. Tracker filter: semi-join bdg_text_conversation_trackers.
    Incremental by account x contact, the groups its two intermediates rebuild (whole, from
    every message of the contact): the same groups, read from them; _loaded_at is theirs.
#}

{%- set contact = ['account_id', 'contact_id'] -%}

{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key=contact,
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['account_id', 'contact_id']) }}",
    )
}}

with

conversations as (

    select * from {{ ref('int_text_conversations') }}
    {{ incremental_rebuild_filter(contact) }}

),

trackers as (

    select * from {{ ref('int_text_conversations__trackers') }}
    {{ incremental_rebuild_filter(contact) }}

),

tracker_counts as (

    select
        conversation_id,
        count(*) as phone_numbers_used
    from trackers
    group by conversation_id

),

final as (

    select
        conversations.conversation_id,
        conversations.account_id,
        conversations.contact_id,
        conversations.conversation_date as date_day,
        conversations.first_message_at,
        conversations.last_message_at,
        cast(conversations.inbound_messages as integer) as inbound_messages,
        cast(conversations.outbound_messages as integer) as outbound_messages,
        cast(conversations.total_messages as integer) as total_messages,
        conversations.last_phone_number_id,
        conversations.number_name_phone_number_id,
        cast(coalesce(tracker_counts.phone_numbers_used, 0) as integer) as phone_numbers_used,
        conversations._loaded_at
    from conversations
    left join tracker_counts
        on conversations.conversation_id = tracker_counts.conversation_id

)

select * from final
