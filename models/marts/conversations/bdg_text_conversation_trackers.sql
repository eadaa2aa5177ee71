{#
    Bridge: text conversation x business number (tracker) it used, with messages per number.
    "Conversations with at least one message through number N" =
        conversation_id in (select conversation_id from this where phone_number_id = N).
    Incremental by account x contact, the groups int_text_conversations__trackers rebuilds;
    _loaded_at is its.
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

trackers as (

    select * from {{ ref('int_text_conversations__trackers') }}
    {{ incremental_rebuild_filter(contact) }}

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
        last_message_at,
        _loaded_at
    from trackers

)

select * from final
