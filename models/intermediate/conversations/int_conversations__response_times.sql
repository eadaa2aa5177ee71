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
    Numbering manual replies with a running count lets the streak find its answer with an
    equality join (no range join). Ties on created_at put inbound first ('inbound' sorts before
    'outbound'), so an answer at the same instant answers in 0 seconds.
#}

with

messages as (

    select * from {{ ref('int_messages__sent_or_received') }}

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
        ) as previous_direction
    from conversation_messages

),

streak_sizes as (

    select
        account_id,
        contact_id,
        manual_replies_so_far,
        count(*) as streak_inbound_messages
    from counted
    where direction = 'inbound'
    group by account_id, contact_id, manual_replies_so_far

),

streak_starts as (

    select
        counted.account_id,
        counted.contact_id,
        counted.message_id,
        counted.created_at,
        counted.date_day,
        counted.manual_replies_so_far,
        streak_sizes.streak_inbound_messages
    from counted
    inner join streak_sizes
        on
            counted.account_id = streak_sizes.account_id
            and counted.contact_id = streak_sizes.contact_id
            and counted.manual_replies_so_far = streak_sizes.manual_replies_so_far
    where
        counted.direction = 'inbound'
        and (counted.previous_direction is null or counted.previous_direction = 'outbound')

),

manual_replies as (

    select
        account_id,
        contact_id,
        manual_replies_so_far as reply_number,
        message_id,
        created_at,
        user_id
    from counted
    where is_manual_reply = 1

),

answered as (

    select
        streak_starts.account_id,
        streak_starts.contact_id,
        streak_starts.message_id as streak_start_message_id,
        streak_starts.created_at as streak_started_at,
        streak_starts.date_day,
        streak_starts.streak_inbound_messages,
        manual_replies.message_id as response_message_id,
        manual_replies.created_at as responded_at,
        manual_replies.user_id as responder_user_id
    from streak_starts
    left join manual_replies
        on
            streak_starts.account_id = manual_replies.account_id
            and streak_starts.contact_id = manual_replies.contact_id
            and streak_starts.manual_replies_so_far + 1 = manual_replies.reply_number

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
        responded_at is not null as is_answered
    from answered

)

select * from final
