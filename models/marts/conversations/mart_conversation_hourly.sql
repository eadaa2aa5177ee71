{#
    Message frequency by account-local hour of day, customer vs agent (CallRail "Text Message
    Frequency Graph"): account x local day x hour x sender side. sender_side 'customer' =
    inbound, 'agent' = outbound (canceled outbound messages excluded). Additive: sum messages
    over any date range.
#}

with

messages as (

    select * from {{ ref('int_messages__sent_or_received') }}

),

sided as (

    select
        account_id,
        date_day,
        hour_of_day,
        case when direction = 'inbound' then 'customer' else 'agent' end as sender_side
    from messages

),

hourly as (

    select
        account_id,
        date_day,
        hour_of_day,
        sender_side,
        count(*) as messages
    from sided
    group by account_id, date_day, hour_of_day, sender_side

),

final as (

    select
        account_id,
        date_day,
        cast(hour_of_day as integer) as hour_of_day,
        sender_side,
        cast(messages as bigint) as messages
    from hourly

)

select * from final
