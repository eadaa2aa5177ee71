{#
    One row per label assignment interval (int_contact_labels__history), dated by the
    account-local day the label was added. Labels KPI for a range:
      label_contacts = count(distinct contact_id) per label_id where date_day in range;
      label_share    = that label's assignments / all assignments in range (count(*) ratio).
#}

with

history as (

    select * from {{ ref('int_contact_labels__history') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

final as (

    select
        history.added_event_id as label_assignment_id,
        history.account_id,
        history.contact_id,
        history.label_id,
        history.added_at,
        history.removed_at,
        cast(
            {{ to_local_timestamp('history.added_at', 'accounts.time_zone') }}
            as date
        ) as date_day,
        cast(
            {{ to_local_timestamp('history.removed_at', 'accounts.time_zone') }}
            as date
        ) as removed_date_day,
        history.removed_at is null as is_active,
        history.added_by_user_id,
        history.removed_by_user_id
    from history
    left join accounts
        on history.account_id = accounts.account_id

)

select * from final
