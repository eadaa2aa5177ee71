{#
    Account usage (Salesmsg Analytics), messaging half, at account x local day x user x
    inbox. user_id is the member the usage belongs to (kpi-spec Account usage): an outbound
    message's sender, else its inbox's owner; an inbound message's member inbox's owner (null
    in a shared inbox). With the inbox (inbox_type says member or shared), "by member" and
    "by shared inbox" are filters; contact rows (new / opted-in / opted-out contacts) have user_id and inbox_id
    null. Segments count SMS only (an MMS has no segments; it is in mms_* and credits_used);
    canceled outbound messages were never sent and count nowhere.
    opted_in_contacts / opted_out_contacts are distinct contacts PER DAY: they add up over
    days only when no contact opts out twice in the range; for an exact range use
    count(distinct contact_id) on fct_opt_events (see the YAML). new_contacts is additive (a
    contact is created once).
#}

with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

messages as (

    select * from {{ ref('fct_messages') }}

),

contacts as (

    select * from {{ ref('dim_contacts') }}

),

opt_events as (

    select * from {{ ref('stg_platform__opt_events') }}

),

inboxes as (

    select * from {{ ref('dim_inboxes') }}

),

member_messages as (

    select
        messages.*,
        case
            when messages.direction = 'outbound'
                then coalesce(messages.user_id, inboxes.owner_user_id)
            when inboxes.inbox_type = 'member' then inboxes.owner_user_id
        end as member_user_id
    from messages
    left join inboxes
        on messages.inbox_id = inboxes.inbox_id

),

message_usage as (

    select
        account_id,
        date_day,
        member_user_id as user_id,
        inbox_id,
        inbox_type,
        sum(case when not is_mms then segments else 0 end) as segments_total,
        sum(case when direction = 'outbound' and not is_mms then segments else 0 end)
            as segments_sent,
        sum(case when direction = 'inbound' and not is_mms then segments else 0 end)
            as segments_received,
        sum(case when direction = 'outbound' then 1 else 0 end) as messages_sent,
        sum(case when direction = 'inbound' then 1 else 0 end) as messages_received,
        sum(case when direction = 'outbound' and is_mms then 1 else 0 end) as mms_sent,
        sum(case when direction = 'inbound' and is_mms then 1 else 0 end) as mms_received,
        sum(credits) as credits_used,
        0 as new_contacts,
        0 as opted_in_contacts,
        0 as opted_out_contacts
    from member_messages
    where direction = 'inbound' or not is_canceled
    group by account_id, date_day, member_user_id, inbox_id, inbox_type

),

new_contact_usage as (

    select
        account_id,
        created_date_day as date_day,
        null as user_id,
        null as inbox_id,
        null as inbox_type,
        0 as segments_total,
        0 as segments_sent,
        0 as segments_received,
        0 as messages_sent,
        0 as messages_received,
        0 as mms_sent,
        0 as mms_received,
        0 as credits_used,
        count(*) as new_contacts,
        0 as opted_in_contacts,
        0 as opted_out_contacts
    from contacts
    where created_date_day is not null
    group by account_id, created_date_day

),

opt_event_days as (

    select
        opt_events.account_id,
        cast({{ to_local_timestamp('opt_events.occurred_at', 'accounts.time_zone') }} as date)
            as date_day,
        opt_events.contact_id,
        opt_events.direction
    from opt_events
    inner join accounts
        on opt_events.account_id = accounts.account_id

),

opt_usage as (

    select
        account_id,
        date_day,
        null as user_id,
        null as inbox_id,
        null as inbox_type,
        0 as segments_total,
        0 as segments_sent,
        0 as segments_received,
        0 as messages_sent,
        0 as messages_received,
        0 as mms_sent,
        0 as mms_received,
        0 as credits_used,
        0 as new_contacts,
        count(distinct case when direction = 'opt_in' then contact_id end) as opted_in_contacts,
        count(distinct case when direction = 'opt_out' then contact_id end) as opted_out_contacts
    from opt_event_days
    group by account_id, date_day

),

stacked as (

    select * from message_usage
    union all
    select * from new_contact_usage
    union all
    select * from opt_usage

),

summed as (

    select
        account_id,
        date_day,
        user_id,
        inbox_id,
        max(inbox_type) as inbox_type,
        cast(sum(segments_total) as bigint) as segments_total,
        cast(sum(segments_sent) as bigint) as segments_sent,
        cast(sum(segments_received) as bigint) as segments_received,
        cast(sum(messages_sent) as bigint) as messages_sent,
        cast(sum(messages_received) as bigint) as messages_received,
        cast(sum(mms_sent) as bigint) as mms_sent,
        cast(sum(mms_received) as bigint) as mms_received,
        cast(sum(credits_used) as bigint) as credits_used,
        cast(sum(new_contacts) as bigint) as new_contacts,
        cast(sum(opted_in_contacts) as bigint) as opted_in_contacts,
        cast(sum(opted_out_contacts) as bigint) as opted_out_contacts
    from stacked
    group by account_id, date_day, user_id, inbox_id

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'date_day', 'user_id', 'inbox_id']) }} as usage_day_id,
        account_id,
        date_day,
        user_id,
        inbox_id,
        inbox_type,
        segments_total,
        segments_sent,
        segments_received,
        messages_sent,
        messages_received,
        mms_sent,
        mms_received,
        credits_used,
        new_contacts,
        opted_in_contacts,
        opted_out_contacts
    from summed

)

select * from final
