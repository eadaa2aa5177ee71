{#
    One row per unanswered streak of a conversation (kpi-spec "Median response time"), see
    int_conversations__response_times. The median over any date range is
    median(response_seconds) over the rows with is_answered and date_day in range; it ignores
    campaign and template filters by definition.
    Incremental by account x contact, the groups int_conversations__response_times rebuilds;
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

response_times as (

    select * from {{ ref('int_conversations__response_times') }}
    {{ incremental_rebuild_filter(contact) }}

),

final as (

    select
        streak_start_message_id,
        account_id,
        contact_id,
        streak_started_at,
        date_day,
        cast(streak_inbound_messages as integer) as streak_inbound_messages,
        response_message_id,
        responded_at,
        responder_user_id,
        cast(response_seconds as {{ type_double() }}) as response_seconds,
        is_answered,
        _loaded_at
    from response_times

)

select * from final
