{#
    Account usage (Salesmsg Analytics) at account x local day: the messaging half
    (mart_usage_daily) and the calling half (mart_call_usage_daily, helper "calling"), each
    aggregated to account x day on its own before the full outer join, so neither side fans
    out the other. Contact counts (new / opted-in / opted-out) are distinct per day; see
    mart_usage_daily.
#}

with message_usage as (

    select * from {{ ref('mart_usage_daily') }}

),

call_usage as (

    select * from {{ ref('mart_call_usage_daily') }}

),

message_days as (

    select
        account_id,
        date_day,
        sum(segments_total) as segments_total,
        sum(segments_sent) as segments_sent,
        sum(segments_received) as segments_received,
        sum(messages_sent) as messages_sent,
        sum(messages_received) as messages_received,
        sum(credits_used) as credits_used,
        sum(new_contacts) as new_contacts,
        sum(opted_in_contacts) as opted_in_contacts,
        sum(opted_out_contacts) as opted_out_contacts
    from message_usage
    group by account_id, date_day

),

call_days as (

    select
        account_id,
        date_day,
        sum(calls_total) as calls_total,
        sum(calls_inbound) as calls_inbound,
        sum(calls_outbound) as calls_outbound,
        sum(calls_forwarded) as calls_forwarded
    from call_usage
    group by account_id, date_day

),

joined as (

    select
        coalesce(message_days.account_id, call_days.account_id) as account_id,
        coalesce(message_days.date_day, call_days.date_day) as date_day,
        message_days.segments_total,
        message_days.segments_sent,
        message_days.segments_received,
        message_days.messages_sent,
        message_days.messages_received,
        message_days.credits_used,
        message_days.new_contacts,
        message_days.opted_in_contacts,
        message_days.opted_out_contacts,
        call_days.calls_total,
        call_days.calls_inbound,
        call_days.calls_outbound,
        call_days.calls_forwarded
    from message_days
    full outer join call_days
        on
            message_days.account_id = call_days.account_id
            and message_days.date_day = call_days.date_day

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'date_day']) }} as account_usage_day_id,
        account_id,
        date_day,
        cast(coalesce(segments_total, 0) as bigint) as segments_total,
        cast(coalesce(segments_sent, 0) as bigint) as segments_sent,
        cast(coalesce(segments_received, 0) as bigint) as segments_received,
        cast(coalesce(messages_sent, 0) as bigint) as messages_sent,
        cast(coalesce(messages_received, 0) as bigint) as messages_received,
        cast(coalesce(credits_used, 0) as bigint) as credits_used,
        cast(coalesce(new_contacts, 0) as bigint) as new_contacts,
        cast(coalesce(opted_in_contacts, 0) as bigint) as opted_in_contacts,
        cast(coalesce(opted_out_contacts, 0) as bigint) as opted_out_contacts,
        cast(coalesce(calls_total, 0) as bigint) as calls_total,
        cast(coalesce(calls_inbound, 0) as bigint) as calls_inbound,
        cast(coalesce(calls_outbound, 0) as bigint) as calls_outbound,
        cast(coalesce(calls_forwarded, 0) as bigint) as calls_forwarded
    from joined

)

select * from final
