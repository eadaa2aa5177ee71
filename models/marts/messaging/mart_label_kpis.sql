{#
    Labels section of the Reporting page at account x local day x label.
    - label_assignments: times the label was added that day (additive; a label's share of
      all label assignments in a range = its sum / the sum over all labels);
    - label_contacts: distinct contacts the label was added to that day. Distinct per day: for
      a range use count(distinct contact_id) over fct_label_assignments (see the YAML).
#}

with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

labels as (

    select * from {{ ref('dim_labels') }}

),

contact_labels as (

    select * from {{ ref('stg_platform__contact_labels') }}

),

additions as (

    select
        contact_labels.account_id,
        cast({{ to_local_timestamp('contact_labels.occurred_at', 'accounts.time_zone') }} as date)
            as date_day,
        contact_labels.label_id,
        contact_labels.contact_id
    from contact_labels
    inner join accounts
        on contact_labels.account_id = accounts.account_id
    where contact_labels.action = 'added'

),

aggregated as (

    select
        account_id,
        date_day,
        label_id,
        cast(count(*) as bigint) as label_assignments,
        cast(count(distinct contact_id) as bigint) as label_contacts
    from additions
    group by account_id, date_day, label_id

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'aggregated.account_id', "'|'",
            dbt.safe_cast('aggregated.date_day', dbt.type_string()), "'|'",
            'aggregated.label_id',
        ])) }} as label_kpi_id,
        aggregated.account_id,
        aggregated.date_day,
        aggregated.label_id,
        labels.label_name,
        aggregated.label_assignments,
        aggregated.label_contacts
    from aggregated
    left join labels
        on aggregated.label_id = labels.label_id

)

select * from final
