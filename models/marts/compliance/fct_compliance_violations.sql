{#-
    Compliance audit: one row per outbound message (sent, not canceled) and rule it breaks,
    with the evidence. The rules (README "Compliance audit"):

    sent_after_opt_out: the contact's latest opt event with that account strictly before the
        message (fct_opt_events: platform-recorded and detected from inbound messages) is an
        opt-out, at an instant an opt-in at the same instant counts as later (the contact opted
        back in), and the message is not the opt-out's confirmation: it comes more than
        `opt_out_confirmation_seconds` after the opt-out. A contact who opts out, back in and
        out again is judged by the latest one. Evidence: the opt event and its time.
    sent_in_quiet_hours: the message's wall-clock time in the recipient's zone
        (int_contacts__time_zone: the area code's, else the account's) is at or after
        `quiet_hours_start` or before `quiet_hours_end` (HH:MM). Evidence: the local time and
        the zone used.
    sent_to_suppressed_contact: the contact was on the 3-hard-bounce suppression list
        (fct_suppressions) when the message was sent (at or after the third hard bounce).

    Incremental by account x contact (incremental_rebuild_filter): every rule reads only the
    message and its contact's opt events, suppressions and time zone, so a run rebuilds every
    message of each contact with a message, delivery event, opt event or contact row (or their
    account, campaign or enrollment) loaded since the newest load it holds; _loaded_at is the
    later of the message's load (or its delivery outcome's) and its platform opt-out's.
    An account's new time zone needs a --full-refresh, as in fct_messages.
-#}

{%- set contact = ['account_id', 'contact_id'] -%}
{%- set also = ['opt_events', 'contacts'] -%}

{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key=contact,
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['account_id', 'contact_id'], ['opt_events', 'contacts']) }}",
    )
}}

{%- set start_h, start_m = var('quiet_hours_start').split(':') -%}
{%- set end_h, end_m = var('quiet_hours_end').split(':') -%}
{%- set quiet_start = start_h | int * 60 + start_m | int -%}
{%- set quiet_end = end_h | int * 60 + end_m | int -%}

with

messages as (

    select
        message_id,
        account_id,
        contact_id,
        created_at as sent_at,
        date_day,
        campaign_id,
        template_id,
        phone_number_id
    from {{ ref('fct_messages') }}
    where is_sms_sent and {{ in_rebuilt_groups(contact, also) }}

),

opt_events as (

    select * from {{ ref('fct_opt_events') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

suppressions as (

    select * from {{ ref('fct_suppressions') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

contact_zones as (

    select * from {{ ref('int_contacts__time_zone') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

-- load times (_loaded_at) of the contact's messages (with their delivery outcome) and opt events
message_loads as (

    select
        message_id,
        _loaded_at
    from {{ ref('int_messages__sent_or_received') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

opt_event_loads as (

    select
        opt_event_id,
        _loaded_at
    from {{ ref('stg_platform__opt_events') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

opt_events_before as (

    -- the contact's opt events before each message sent to it, latest first
    select
        messages.message_id,
        opt_events.opt_event_row_id,
        opt_events.opt_event_id,
        opt_events.message_id as opt_message_id,
        opt_events.direction,
        opt_events.method,
        opt_events.occurred_at,
        row_number() over (
            partition by messages.message_id
            order by
                opt_events.occurred_at desc,
                case when opt_events.direction = 'opt_in' then 0 else 1 end,
                coalesce(opt_events.opt_event_id, '') desc,
                coalesce(opt_events.message_id, '') desc
        ) as recency
    from messages
    inner join opt_events
        on
            messages.account_id = opt_events.account_id
            and messages.contact_id = opt_events.contact_id
            and messages.sent_at > opt_events.occurred_at

),

sent_after_opt_out as (

    select
        opt_events_before.message_id,
        'sent_after_opt_out' as rule,
        opt_events_before.opt_event_row_id as opt_out_event_row_id,
        opt_events_before.opt_event_id as opt_out_event_id,
        opt_events_before.opt_message_id as opt_out_message_id,
        opt_events_before.method as opt_out_method,
        opt_events_before.occurred_at as opted_out_at,
        cast(null as {{ dbt.type_timestamp() }}) as recipient_local_sent_at,
        null as recipient_time_zone,
        null as time_zone_source,
        null as suppression_id,
        cast(null as {{ dbt.type_timestamp() }}) as suppressed_at
    from opt_events_before
    inner join messages
        on opt_events_before.message_id = messages.message_id
    where
        opt_events_before.recency = 1
        and opt_events_before.direction = 'opt_out'
        and {{ seconds_between('opt_events_before.occurred_at', 'messages.sent_at') }}
        > {{ var('opt_out_confirmation_seconds') }}

),

recipient_zones as (

    -- a contact the account's export never carried lives in the account's zone
    select
        messages.message_id,
        messages.sent_at,
        coalesce(contact_zones.time_zone, accounts.time_zone) as time_zone,
        coalesce(contact_zones.time_zone_source, 'account') as time_zone_source
    from messages
    inner join accounts
        on messages.account_id = accounts.account_id
    left join contact_zones
        on
            messages.account_id = contact_zones.account_id
            and messages.contact_id = contact_zones.contact_id

),

local_times as (

    select
        message_id,
        time_zone,
        time_zone_source,
        {{ to_local_timestamp('sent_at', 'time_zone') }} as local_sent_at
    from recipient_zones

),

local_minutes as (

    select
        *,
        extract(hour from local_sent_at) * 60 + extract(minute from local_sent_at)
            as local_minute_of_day
    from local_times

),

sent_in_quiet_hours as (

    select
        message_id,
        'sent_in_quiet_hours' as rule,
        null as opt_out_event_row_id,
        null as opt_out_event_id,
        null as opt_out_message_id,
        null as opt_out_method,
        cast(null as {{ dbt.type_timestamp() }}) as opted_out_at,
        local_sent_at as recipient_local_sent_at,
        time_zone as recipient_time_zone,
        time_zone_source,
        null as suppression_id,
        cast(null as {{ dbt.type_timestamp() }}) as suppressed_at
    from local_minutes
    {% if quiet_start > quiet_end -%}
        -- the quiet hours run across midnight
        where local_minute_of_day >= {{ quiet_start }} or local_minute_of_day < {{ quiet_end }}
    {%- else -%}
        where local_minute_of_day >= {{ quiet_start }} and local_minute_of_day < {{ quiet_end }}
    {%- endif %}

),

sent_to_suppressed_contact as (

    select
        messages.message_id,
        'sent_to_suppressed_contact' as rule,
        null as opt_out_event_row_id,
        null as opt_out_event_id,
        null as opt_out_message_id,
        null as opt_out_method,
        cast(null as {{ dbt.type_timestamp() }}) as opted_out_at,
        cast(null as {{ dbt.type_timestamp() }}) as recipient_local_sent_at,
        null as recipient_time_zone,
        null as time_zone_source,
        suppressions.suppression_id,
        suppressions.suppressed_at
    from messages
    inner join suppressions
        on
            messages.account_id = suppressions.account_id
            and messages.contact_id = suppressions.contact_id
            and messages.sent_at >= suppressions.suppressed_at

),

violations as (

    select * from sent_after_opt_out
    union all
    select * from sent_in_quiet_hours
    union all
    select * from sent_to_suppressed_contact

),

final as (

    select
        {{ generate_surrogate_key(['violations.message_id', 'violations.rule']) }}
            as violation_id,
        violations.message_id,
        violations.rule,
        messages.account_id,
        messages.contact_id,
        messages.sent_at,
        messages.date_day,
        messages.campaign_id,
        messages.template_id,
        messages.phone_number_id,
        violations.opt_out_event_row_id,
        violations.opt_out_event_id,
        violations.opt_out_message_id,
        violations.opt_out_method,
        violations.opted_out_at,
        violations.recipient_local_sent_at,
        violations.recipient_time_zone,
        violations.time_zone_source,
        violations.suppression_id,
        violations.suppressed_at,
        case
            when opt_event_loads._loaded_at > message_loads._loaded_at
                then opt_event_loads._loaded_at
            else message_loads._loaded_at
        end as _loaded_at
    from violations
    inner join messages
        on violations.message_id = messages.message_id
    left join message_loads
        on violations.message_id = message_loads.message_id
    left join opt_event_loads
        on violations.opt_out_event_id = opt_event_loads.opt_event_id

)

select * from final
