-- Calls as contact-timeline events, to be unioned with text conversations into
-- fct_contact_timeline. One row per counted call (child legs excluded) with a known contact.
with

calls as (

    select * from {{ ref('int_calls__normalized') }}

),

contact_calls as (

    select * from calls
    where is_counted_call and contact_id is not null

),

final as (

    select
        account_id,
        contact_id,
        'call' as event_type,
        call_id as event_id,
        started_at as event_started_at,
        coalesce(ended_at, answered_at, started_at) as event_ended_at,
        date_day,
        direction,
        user_id,
        phone_number_id,
        campaign_id,
        is_answered,
        talk_seconds,
        outcome,
        status
    from contact_calls

)

select * from final
