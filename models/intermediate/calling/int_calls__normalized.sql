-- One row per valid call (bad rows are set aside in staging), with the account's local day,
-- ring and talk time (exact seconds, fractions kept), answer/conversation/forwarding flags,
-- the parent/child rule and the outcome normalized through the call_outcomes seed.
with

calls as (

    select * from {{ ref('stg_platform__calls') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

call_outcomes as (

    select * from {{ ref('call_outcomes') }}

),

outcome_lookup as (

    select
        lower(trim(outcome_raw)) as outcome_key,
        max(outcome) as outcome,
        max(outcome_label) as outcome_label
    from call_outcomes
    group by lower(trim(outcome_raw))

),

calls_with_account as (

    select
        calls.*,
        accounts.time_zone
    from calls
    inner join accounts
        on calls.account_id = accounts.account_id

),

localized as (

    select
        calls_with_account.*,
        cast(
            {{ to_local_timestamp('calls_with_account.started_at', 'calls_with_account.time_zone') }}
            as date
        ) as date_day
    from calls_with_account

),

durations as (

    select
        localized.*,
        localized.answered_at is not null as is_answered,
        -- exact durations with their fractions (a 90.4 s call is a conversation)
        case
            when localized.answered_at is not null
                then {{ seconds_between('localized.started_at', 'localized.answered_at') }}
            when localized.ended_at is not null
                then {{ seconds_between('localized.started_at', 'localized.ended_at') }}
        end as ring_seconds,
        case
            when localized.answered_at is not null and localized.ended_at is not null
                then {{ seconds_between('localized.answered_at', 'localized.ended_at') }}
        end as talk_seconds
    from localized

),

flagged as (

    select
        durations.*,
        durations.is_answered and coalesce(durations.answered_by = 'machine', false)
            as is_answered_by_machine,
        durations.is_answered and coalesce(durations.answered_by = 'human', false)
            as is_answered_by_human,
        durations.is_answered
        and coalesce(durations.talk_seconds > {{ var('conversation_min_seconds') }}, false)
            as is_conversation,
        durations.direction = 'inbound' and durations.forwarded_to is not null as is_forwarded,
        durations.parent_call_id is not null as is_child_call
    from durations

),

with_outcome as (

    select
        flagged.*,
        case
            when flagged.outcome is null or flagged.outcome = '' then null
            else coalesce(outcome_lookup.outcome, 'other')
        end as outcome_normalized,
        case
            when flagged.outcome is null or flagged.outcome = '' then null
            else coalesce(outcome_lookup.outcome_label, 'Other')
        end as outcome_label
    from flagged
    left join outcome_lookup
        on lower(flagged.outcome) = outcome_lookup.outcome_key

),

final as (

    select
        call_id,
        account_id,
        contact_id,
        user_id,
        campaign_id,
        phone_number_id,
        direction,
        status,
        started_at,
        answered_at,
        ended_at,
        date_day,
        time_zone,
        ring_seconds,
        talk_seconds,
        is_answered,
        answered_by,
        is_answered_by_machine,
        is_answered_by_human,
        is_conversation,
        is_forwarded,
        forwarded_to,
        parent_call_id,
        is_child_call,
        not is_child_call as is_counted_call,
        outcome_normalized as outcome,
        outcome_label,
        nullif(outcome, '') as outcome_raw
    from with_outcome

)

select * from final
