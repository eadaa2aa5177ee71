{{
    config(
        materialized='incremental',
        unique_key='message_id',
        on_schema_change='append_new_columns',
    )
}}

{#-
    Final delivery status and outcome per outbound message (kpi-spec "Message status").

    Final status = the latest event by occurred_at; ties go to the most advanced status
    (seed message_status_ranks), then the highest attempt, then the event id (deterministic).
    The outcome of an undelivered/failed message comes from its error code through the seed
    delivery_error_codes (unknown codes: other_failure). Order of arrival never matters: every
    message is recomputed from all of its events.

    Incremental: recomputes every message that has an event (or its own row) loaded since the
    newest load already processed (less incremental_load_margin_minutes), or that an earlier
    version of such an event named (an event exported again for another message), or whose
    account, campaign or enrollment (or the enrollment's campaign) has a staged row loaded since
    (staging may have staged the message again, new or moved: a superset of its
    changed_owner_ids), from ALL of its events, so the result equals a full build. A message
    staged is in the table or is one of those: the run no longer compares every outbound
    message with the table to find the ones missing (at M two joins of 7.8 M rows, most of the
    day's cost). The staged events are read by name: a CTE read three times was materialized
    whole, every column of every event.
-#}

{#- read by the incremental branch only; named here so the parse records them -#}
{%- set raw_events = source('platform', 'message_events') %}
{%- do staging_owner_refs() %}

with

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

status_ranks as (

    select * from {{ ref('message_status_ranks') }}

),

error_codes as (

    select * from {{ ref('delivery_error_codes') }}

),

outbound_messages as (

    select
        message_id,
        account_id,
        campaign_id,
        enrollment_id,
        _loaded_at
    from messages
    where direction = 'outbound'

),

{% if is_incremental() %}
    reread_from as (

        select {{ processed_loaded_after() }} as loaded_after

    ),

    recently_loaded_events as (

        select events.message_id
        from {{ ref('stg_platform__message_events') }} as events
        cross join reread_from
        where events._loaded_at > reread_from.loaded_after
        union
        -- the message every version of those events names (raw: staging keeps the latest): an
        -- event exported again for another message leaves the first
        select raw_events.message_id
        from {{ raw_events }} as raw_events
        where raw_events.event_id in (
            select events.event_id
            from {{ ref('stg_platform__message_events') }} as events
            cross join reread_from
            where events._loaded_at > reread_from.loaded_after
        )

    ),

    changed_messages as (

        select
            outbound_messages.message_id,
            outbound_messages._loaded_at
        from outbound_messages
        cross join reread_from
        where
            outbound_messages._loaded_at > reread_from.loaded_after
            or outbound_messages.message_id in (
                select recently_loaded_events.message_id from recently_loaded_events
            )
            -- staged again for an owner loaded since: new (no outcome yet) or moved
            or {{ staged_owner_loaded_since(
                'outbound_messages', '(select reread_from.loaded_after from reread_from)'
            ) }}

    ),
{% else %}
    changed_messages as (

        select
            message_id,
            _loaded_at
        from outbound_messages

    ),
{% endif %}

-- read twice (the ties below take a few messages' events): computed where it is read
message_events as {{ inlined_cte() }} (

    select
        events.event_id,
        events.message_id,
        events.status,
        events.occurred_at,
        events.error_code,
        events.attempt,
        events._loaded_at,
        coalesce(status_ranks.status_rank, 0) as status_rank,
        error_codes.delivery_outcome as error_outcome
    -- a full build aggregates every event and keeps the outbound messages' in `classified`
    -- (aggregate before join: one join of the messages, not of their events). The staged
    -- events by name: a CTE of them read more than once is stored whole
    from {{ ref('stg_platform__message_events') }} as events
    {% if is_incremental() %}
        inner join changed_messages
            on events.message_id = changed_messages.message_id
    {% endif %}
    left join status_ranks
        on events.status = status_ranks.status
    left join error_codes
        on events.error_code = cast(error_codes.error_code as {{ dbt.type_string() }})

),

{%- set final_event_fields = ['status', 'error_code', 'error_outcome'] %}
{%- set final_event_order = ['occurred_at', 'status_rank', 'coalesce(attempt, 0)', 'event_id'] %}

event_summary as (

    -- one aggregate per message: the final status's event is the latest by (occurred_at,
    -- status rank, attempt, event id), picked while aggregating (latest_row) instead of a
    -- window sort of every event (at M the sort was most of this model's time); none of those
    -- keys is null (staging requires occurred_at and event_id; event ids are unique), and the
    -- first one makes the final event's occurred_at the latest one. Picked by occurred_at
    -- alone (by_first_key: a scalar key, half this model's CPU at M); a message with two
    -- events at its latest instant is picked again on the whole order in final_event_ties
    select
        message_id,
        {{ latest_row('final_event', final_event_fields, final_event_order, by_first_key=true) }},
        max(occurred_at) as final_status_at,
        count(*) as delivery_event_count,
        max(attempt) as attempts,
        max(
            case
                when status in ('undelivered', 'failed') and error_outcome = 'soft_bounce' then 1
                else 0
            end
        ) as soft_bounce_events,
        min(occurred_at) as first_event_at,
        min(case when status in ('delivered', 'read') then occurred_at end) as first_delivered_at,
        max(_loaded_at) as events_loaded_at
    from message_events
    group by message_id

),

-- the messages whose latest instant has two events (none at M): their final event on the
-- whole order, from their events only
final_event_ties as (

    select
        message_events.message_id,
        {{ latest_row('final_event', final_event_fields, final_event_order) }}
    from message_events
    where
        message_events.message_id in (
            select event_summary.message_id
            from event_summary
            where {{ latest_row_tied('event_summary', 'final_event') }}
        )
    group by message_events.message_id

),

latest_events as (

    select
        event_summary.message_id,
        {{ latest_field('event_summary', 'final_event', 'status', ties='final_event_ties') }}
            as final_status,
        event_summary.final_status_at,
        {{ latest_field('event_summary', 'final_event', 'error_code', ties='final_event_ties') }}
            as final_error_code,
        {{ latest_field('event_summary', 'final_event', 'error_outcome', ties='final_event_ties') }}
            as final_error_outcome,
        event_summary.delivery_event_count,
        event_summary.attempts,
        event_summary.soft_bounce_events,
        event_summary.first_event_at,
        event_summary.first_delivered_at,
        event_summary.events_loaded_at
    from event_summary
    left join final_event_ties
        on event_summary.message_id = final_event_ties.message_id

),

classified as (

    select
        changed_messages.message_id,
        latest_events.final_status,
        latest_events.final_status_at,
        latest_events.final_error_code,
        case
            when latest_events.final_status in ('delivered', 'read') then 'delivered'
            when latest_events.final_status in ('undelivered', 'failed')
                then coalesce(latest_events.final_error_outcome, 'other_failure')
            when latest_events.final_status = 'canceled' then 'canceled'
            else 'pending'
        end as delivery_outcome,
        -- fct_messages takes its outbound messages' event count from here: its own pass over
        -- every event counted them again (at M 22 M events, a quarter of its select's CPU)
        coalesce(latest_events.delivery_event_count, 0) as delivery_event_count,
        coalesce(latest_events.attempts, 0) as attempts,
        coalesce(latest_events.soft_bounce_events, 0) = 1 as was_soft_bounced,
        latest_events.first_event_at,
        latest_events.first_delivered_at,
        latest_events.events_loaded_at,
        changed_messages._loaded_at as message_loaded_at
    from changed_messages
    left join latest_events
        on changed_messages.message_id = latest_events.message_id

),

final as (

    select
        classified.message_id,
        classified.final_status,
        classified.final_status_at,
        classified.final_error_code,
        classified.delivery_outcome,
        classified.delivery_event_count,
        classified.attempts,
        classified.was_soft_bounced,
        classified.delivery_outcome = 'delivered'
        and classified.was_soft_bounced as is_delivered_after_retry,
        classified.first_event_at,
        case
            when classified.delivery_outcome = 'delivered' then classified.first_delivered_at
        end as delivered_at,
        case
            when classified.events_loaded_at > classified.message_loaded_at
                then classified.events_loaded_at
            else classified.message_loaded_at
        end as _loaded_at
    from classified

)

select * from final
