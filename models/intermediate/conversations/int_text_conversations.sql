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
    One row per text conversation: one contact with one account on one account-local calendar
    day (CallRail: each day's conversation is separate; a DST day has 23 or 25 hours).
    Counts are the whole day's conversation, regardless of any filter.
    last_phone_number_id is the business number most recently used with the contact as of the
    end of that day: the day's last message through a number, else carried forward from the
    latest earlier day that had one (running max of the day, then an equality join back).
    number_name_phone_number_id is the CallRail "number name": the number most recently used
    with the contact as of the latest data, the same on every day of the contact.
    Incremental: so every row of a contact depends on all its days, a run rebuilds every
    account x contact with a message touched since the newest load it holds, whole
    (incremental_rebuild_filter); _loaded_at is the contact's newest load.
#}

with

messages as (

    select * from {{ ref('int_messages__sent_or_received') }}
    {{ incremental_rebuild_filter(['account_id', 'contact_id']) }}

),

conversation_messages as (

    select
        messages.message_id,
        messages.account_id,
        messages.contact_id,
        messages.direction,
        messages.created_at,
        messages.phone_number_id,
        messages.date_day as conversation_date,
        messages._loaded_at
    from messages

),

daily as (

    -- the day's last number: the latest message through a number (a message without one sorts
    -- after every message with one), picked while aggregating (latest_row) instead of ranking
    -- every message in a window sort
    select
        account_id,
        contact_id,
        conversation_date,
        min(created_at) as first_message_at,
        max(created_at) as last_message_at,
        sum(case when direction = 'inbound' then 1 else 0 end) as inbound_messages,
        sum(case when direction = 'outbound' then 1 else 0 end) as outbound_messages,
        count(*) as total_messages,
        max(_loaded_at) as day_loaded_at,
        {{ latest_row(
            'day_last_message',
            ['phone_number_id'],
            ['case when phone_number_id is null then 0 else 1 end', 'created_at', 'message_id']
        ) }}
    from conversation_messages
    group by account_id, contact_id, conversation_date

),

days as (

    select
        daily.account_id,
        daily.contact_id,
        daily.conversation_date,
        daily.first_message_at,
        daily.last_message_at,
        daily.inbound_messages,
        daily.outbound_messages,
        daily.total_messages,
        daily.day_loaded_at,
        {{ latest_field('daily', 'day_last_message', 'phone_number_id') }} as day_last_phone_number_id
    from daily

),

day_last_numbers as (

    select
        account_id,
        contact_id,
        conversation_date,
        day_last_phone_number_id as phone_number_id
    from days
    where day_last_phone_number_id is not null

),

contacts as (

    -- per contact, one aggregate of its days (no window framed whole): the number name is the
    -- last number of the contact's latest day with one (a later message is never on an earlier
    -- account-local day), found among its days instead of ranking every message again; and
    -- the contact's newest load
    select
        account_id,
        contact_id,
        {{ latest_row(
            'number_name_day',
            ['day_last_phone_number_id'],
            ['case when day_last_phone_number_id is null then 0 else 1 end', 'conversation_date']
        ) }},
        max(day_loaded_at) as contact_loaded_at
    from days
    group by account_id, contact_id

),

carried as (

    select
        days.*,
        max(
            case when days.day_last_phone_number_id is not null then days.conversation_date end
        ) over (
            partition by days.account_id, days.contact_id
            order by days.conversation_date
            rows between unbounded preceding and current row
        ) as last_number_date
    from days

),

final as (

    select
        {{ generate_surrogate_key(['carried.account_id', 'carried.contact_id', 'carried.conversation_date']) }}
            as conversation_id,
        carried.account_id,
        carried.contact_id,
        carried.conversation_date,
        carried.first_message_at,
        carried.last_message_at,
        carried.inbound_messages,
        carried.outbound_messages,
        carried.total_messages,
        day_last_numbers.phone_number_id as last_phone_number_id,
        {{ latest_field('contacts', 'number_name_day', 'day_last_phone_number_id') }}
            as number_name_phone_number_id,
        contacts.contact_loaded_at as _loaded_at
    from carried
    left join day_last_numbers
        on
            carried.account_id = day_last_numbers.account_id
            and carried.contact_id = day_last_numbers.contact_id
            and carried.last_number_date = day_last_numbers.conversation_date
    left join contacts
        on
            carried.account_id = contacts.account_id
            and carried.contact_id = contacts.contact_id

)

select * from final
