{#
    Labels section of the Reporting page at account x local day x label, over the same rows
    the semantic layer and the reporting API count: one assignment = one label going on a
    contact (fct_label_assignments; a repeated 'added' event while the label is on is not a
    second assignment).
    - label_assignments: assignments that day (additive; a label's share of all label
      assignments in a range = its sum / the sum over all labels);
    - label_contacts: distinct contacts the label was added to that day. Distinct per day: for
      a range use count(distinct contact_id) over fct_label_assignments (see the YAML).
#}

with labels as (

    select * from {{ ref('dim_labels') }}

),

assignments as (

    select * from {{ ref('fct_label_assignments') }}

),

aggregated as (

    select
        account_id,
        date_day,
        label_id,
        cast(count(*) as bigint) as label_assignments,
        cast(count(distinct contact_id) as bigint) as label_contacts
    from assignments
    group by account_id, date_day, label_id

),

final as (

    select
        {{ generate_surrogate_key(['aggregated.account_id', 'aggregated.date_day', 'aggregated.label_id']) }}
            as label_kpi_id,
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
