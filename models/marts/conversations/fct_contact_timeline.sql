{#
    A contact's calls and text conversations in one time-ordered stream (CallRail timeline).
    Text conversations are fct_text_conversations' (one per contact x local day), read from
    int_text_conversations, calls from int_contact_timeline__calls (calling helper: counted
    calls with a known contact).
    timeline_position orders a contact's events by start time within the account.
    Incremental by account x contact (incremental_rebuild_filter, with the calls beside the
    messages): a run rebuilds the whole timeline of each contact with a message, delivery
    event or call (or their account, campaign or enrollment) loaded since the newest load it
    holds, as a new event renumbers the contact's later ones; _loaded_at is a conversation's
    (its contact's newest message load) or the staged call's.
#}

{%- set contact = ['account_id', 'contact_id'] -%}
{%- set also = ['calls'] -%}

{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key=contact,
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['account_id', 'contact_id'], ['calls']) }}",
    )
}}

with

conversations as (

    -- fct_text_conversations' rows (one per int_text_conversations row), with the contact's
    -- newest load
    select * from {{ ref('int_text_conversations') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

calls as (

    select * from {{ ref('int_contact_timeline__calls') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

staged_calls as (

    select
        call_id,
        _loaded_at
    from {{ ref('stg_platform__calls') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

conversation_events as (

    select
        account_id,
        contact_id,
        'text_conversation' as event_type,
        conversation_id as event_id,
        first_message_at as event_started_at,
        last_message_at as event_ended_at,
        conversation_date as date_day,
        last_phone_number_id as phone_number_id,
        null as direction,
        null as user_id,
        null as campaign_id,
        cast(inbound_messages as integer) as inbound_messages,
        cast(outbound_messages as integer) as outbound_messages,
        cast(total_messages as integer) as total_messages,
        cast(null as boolean) as is_answered,
        cast(null as {{ type_double() }}) as talk_seconds,
        null as call_outcome,
        null as call_status,
        _loaded_at
    from conversations

),

call_events as (

    select
        calls.account_id,
        calls.contact_id,
        'call' as event_type,
        calls.event_id,
        calls.event_started_at,
        calls.event_ended_at,
        calls.date_day,
        calls.phone_number_id,
        calls.direction,
        calls.user_id,
        calls.campaign_id,
        cast(null as integer) as inbound_messages,
        cast(null as integer) as outbound_messages,
        cast(null as integer) as total_messages,
        calls.is_answered,
        cast(calls.talk_seconds as {{ type_double() }}) as talk_seconds,
        calls.outcome as call_outcome,
        calls.status as call_status,
        staged_calls._loaded_at
    from calls
    left join staged_calls
        on calls.event_id = staged_calls.call_id

),

unioned as (

    select * from conversation_events
    union all
    select * from call_events

),

final as (

    select
        {{ generate_surrogate_key(['event_type', 'event_id']) }} as timeline_event_id,
        account_id,
        contact_id,
        event_type,
        event_id,
        event_started_at,
        event_ended_at,
        date_day,
        cast(row_number() over (
            partition by account_id, contact_id
            order by event_started_at, event_type, event_id
        ) as integer) as timeline_position,
        phone_number_id,
        direction,
        user_id,
        campaign_id,
        inbound_messages,
        outbound_messages,
        total_messages,
        is_answered,
        talk_seconds,
        call_outcome,
        call_status,
        _loaded_at
    from unioned

)

select * from final
