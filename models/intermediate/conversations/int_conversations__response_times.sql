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
    One row per unanswered streak of a conversation (account x contact).

    Only a person answers: an outbound message with send_type 'manual'. Blasts, automations
    and keyword replies neither answer a streak nor end it (they are left out). So the
    messages of a conversation are cut at every manual outbound message; within each cut the
    first inbound message starts the streak (the previous remaining message was a manual reply,
    or there was none), later inbound messages only extend it, and the streak is answered by
    the manual outbound message that closes the cut. A streak with no manual outbound after it is unanswered (responded_at null), counted in
    unanswered_streaks, never in the median.

    Canceled outbound messages were never sent and answer nothing (int_messages__sent_or_received).
    Numbering manual replies with a running count cuts the conversation; a streak finds its
    size and answer among the rows of its cut by window functions (no range join, no join). Ties on created_at put inbound first ('inbound' sorts before
    'outbound'), so an answer at the same instant answers in 0 seconds.
    Incremental: streaks span days, so a run rebuilds every account x contact with a message
    touched since the newest load it holds, whole (incremental_rebuild_filter); _loaded_at is
    the contact's newest load.
#}

with

messages as (

    select * from {{ ref('int_messages__sent_or_received') }}
    {{ incremental_rebuild_filter(['account_id', 'contact_id']) }}

),

conversation_messages as (

    -- only inbound messages and a person's replies matter; other outbound messages are inert
    select
        message_id,
        account_id,
        contact_id,
        direction,
        created_at,
        date_day,
        user_id,
        _loaded_at,
        case when direction = 'outbound' then 1 else 0 end as is_manual_reply
    from messages
    where
        direction = 'inbound'
        or (direction = 'outbound' and send_type = 'manual')

),

counted as (

    -- one sort: the running count of manual replies cuts the conversation; the previous
    -- message (inbound or manual reply) tells whether an inbound message starts a streak
    select
        *,
        sum(is_manual_reply) over (
            partition by account_id, contact_id
            order by created_at asc, direction asc, message_id asc
            rows between unbounded preceding and current row
        ) as manual_replies_so_far,
        lag(direction) over (
            partition by account_id, contact_id
            order by created_at asc, direction asc, message_id asc
        ) as previous_direction,
        -- the same window as above, framed whole: one sort serves all three
        max(_loaded_at) over (
            partition by account_id, contact_id
            order by created_at asc, direction asc, message_id asc
            rows between unbounded preceding and unbounded following
        ) as contact_loaded_at
    from conversation_messages

),

cuts as (

    -- the inbound messages after manual reply k share cut k with the reply that closes them,
    -- reply k + 1 (its running count, less itself, is k): so each streak finds its size and
    -- its answer among the rows of its own cut, with no join (a self-join of `counted` was
    -- planned by PostgreSQL on guessed row counts as a nested loop: over 5 min at demo scale)
    select
        *,
        manual_replies_so_far - is_manual_reply as cut_number
    from counted

),

answered as (

    select
        account_id,
        contact_id,
        message_id,
        direction,
        previous_direction,
        created_at,
        date_day,
        count(case when direction = 'inbound' then 1 end) over cut as streak_inbound_messages,
        max(case when is_manual_reply = 1 then message_id end) over cut as response_message_id,
        max(case when is_manual_reply = 1 then created_at end) over cut as responded_at,
        max(case when is_manual_reply = 1 then user_id end) over cut as responder_user_id,
        contact_loaded_at
    from cuts
    window cut as (partition by account_id, contact_id, cut_number)

),

streak_starts as (

    select
        account_id,
        contact_id,
        message_id as streak_start_message_id,
        created_at as streak_started_at,
        date_day,
        streak_inbound_messages,
        response_message_id,
        responded_at,
        responder_user_id,
        contact_loaded_at
    from answered
    where
        direction = 'inbound'
        and (previous_direction is null or previous_direction = 'outbound')

),

final as (

    select
        account_id,
        contact_id,
        streak_start_message_id,
        streak_started_at,
        date_day,
        streak_inbound_messages,
        response_message_id,
        responded_at,
        responder_user_id,
        -- exact seconds, fractions kept (kpi-spec: durations keep fractional seconds)
        {{ seconds_between('streak_started_at', 'responded_at') }} as response_seconds,
        responded_at is not null as is_answered,
        contact_loaded_at as _loaded_at
    from streak_starts

)

select * from final
