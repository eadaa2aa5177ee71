{#-
    SMS send report (Apsis-style, kpi-spec "SMS send report"): one row per campaign x step.
    Every number comes from fct_send_recipients (one row per contact and send, its clicks
    counted on the send's own messages: a canceled message was never sent, so a click on it
    is no click of the send), aggregated to the send; nothing is joined before it is
    aggregated, so nothing fans out.
-#}

with

recipients as (

    select * from {{ ref('fct_send_recipients') }}

),

campaign_steps as (

    select * from {{ ref('stg_platform__campaign_steps') }}

),

sends as (

    select
        account_id,
        campaign_id,
        step_number,
        count(*) as sent_contacts,
        sum(case when was_delivered then 1 else 0 end) as delivered_contacts,
        sum(case when is_soft_bounced then 1 else 0 end) as soft_bounced_contacts,
        sum(case when is_hard_bounced then 1 else 0 end) as hard_bounced_contacts,
        sum(clicks) as clicks,
        sum(case when clicked then 1 else 0 end) as unique_clickers,
        sum(case when unsubscribed then 1 else 0 end) as unsubscribed_contacts,
        sum(credits) as credits
    from recipients
    group by account_id, campaign_id, step_number

),

final as (

    select
        sends.account_id,
        sends.campaign_id,
        cast(sends.step_number as {{ dbt.type_int() }}) as step_number,
        campaign_steps.template_id,
        cast(sends.sent_contacts as {{ dbt.type_int() }}) as sent_contacts,
        cast(sends.delivered_contacts as {{ dbt.type_int() }}) as delivered_contacts,
        cast(sends.soft_bounced_contacts as {{ dbt.type_int() }}) as soft_bounced_contacts,
        cast(sends.hard_bounced_contacts as {{ dbt.type_int() }}) as hard_bounced_contacts,
        cast(sends.clicks as {{ dbt.type_int() }}) as clicks,
        cast(sends.unique_clickers as {{ dbt.type_int() }}) as unique_clickers,
        cast(sends.unsubscribed_contacts as {{ dbt.type_int() }}) as unsubscribed_contacts,
        cast(coalesce(sends.credits, 0) as {{ dbt.type_int() }}) as credits
    from sends
    left join campaign_steps
        on
            sends.campaign_id = campaign_steps.campaign_id
            and sends.step_number = campaign_steps.step_number

)

select * from final
