{#
    One row per label assignment interval of a contact: opened by an 'added' event, closed by
    the next 'removed' event of the same account x contact x label (removed_at null while the
    label is still on). Repeated 'added' events while the label is on do not open a second
    interval; a 'removed' event with no open interval is ignored.

    Same trick as the response streaks: a running count of 'removed' events cuts the event
    stream; the first 'added' event in cut n opens the interval and the (n + 1)-th 'removed'
    event closes it (an equality join). Ties on occurred_at put 'added' first ('added' sorts before 'removed').
#}

with

contact_labels as (

    select * from {{ ref('stg_platform__contact_labels') }}

),

counted as (

    select
        event_id,
        account_id,
        contact_id,
        label_id,
        action,
        user_id,
        occurred_at,
        sum(case when action = 'removed' then 1 else 0 end) over (
            partition by account_id, contact_id, label_id
            order by occurred_at asc, action asc, event_id asc
            rows between unbounded preceding and current row
        ) as removals_so_far
    from contact_labels

),

additions as (

    select
        *,
        row_number() over (
            partition by account_id, contact_id, label_id, removals_so_far
            order by occurred_at, event_id
        ) as position_in_interval
    from counted
    where action = 'added'

),

interval_starts as (

    select * from additions
    where position_in_interval = 1

),

removals as (

    select
        account_id,
        contact_id,
        label_id,
        removals_so_far as removal_number,
        event_id,
        user_id,
        occurred_at
    from counted
    where action = 'removed'

),

final as (

    select
        interval_starts.account_id,
        interval_starts.contact_id,
        interval_starts.label_id,
        interval_starts.occurred_at as added_at,
        removals.occurred_at as removed_at,
        interval_starts.event_id as added_event_id,
        interval_starts.user_id as added_by_user_id,
        removals.event_id as removed_event_id,
        removals.user_id as removed_by_user_id
    from interval_starts
    left join removals
        on
            interval_starts.account_id = removals.account_id
            and interval_starts.contact_id = removals.contact_id
            and interval_starts.label_id = removals.label_id
            and interval_starts.removals_so_far + 1 = removals.removal_number

)

select * from final
