with

calls as (

    select * from {{ ref('int_calls__normalized') }}

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
        is_counted_call,
        outcome,
        outcome_label,
        outcome_raw
    from calls

)

select * from final
