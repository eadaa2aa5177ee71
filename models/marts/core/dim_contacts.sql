with contacts as (

    select * from {{ ref('stg_platform__contacts') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

opt_events as (

    select * from {{ ref('stg_platform__opt_events') }}

),

ranked_opt_events as (

    select
        account_id,
        contact_id,
        direction,
        occurred_at,
        row_number() over (
            partition by account_id, contact_id
            order by occurred_at desc, opt_event_id desc
        ) as recency_rank
    from opt_events

),

latest_opt_events as (

    select
        account_id,
        contact_id,
        direction as opt_status,
        occurred_at as opt_status_at
    from ranked_opt_events
    where recency_rank = 1

),

final as (

    select
        contacts.contact_id,
        contacts.account_id,
        contacts.phone,
        contacts.phone_as_entered,
        contacts.first_name,
        contacts.last_name,
        contacts.email,
        contacts.source,
        cast(
            {{ to_local_timestamp('contacts.created_at', 'accounts.time_zone') }} as date
        ) as created_date_day,
        coalesce(latest_opt_events.opt_status = 'opt_out', false) as is_opted_out,
        latest_opt_events.opt_status_at,
        contacts.deleted_at is not null as is_deleted,
        contacts.created_at,
        contacts.updated_at,
        contacts.deleted_at
    from contacts
    left join accounts
        on contacts.account_id = accounts.account_id
    left join latest_opt_events
        on
            contacts.account_id = latest_opt_events.account_id
            and contacts.contact_id = latest_opt_events.contact_id

)

select * from final
