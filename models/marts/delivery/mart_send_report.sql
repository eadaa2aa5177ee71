{#-
    SMS send report (Apsis-style, kpi-spec "SMS send report"): one row per campaign x step.
    Contact counts come from fct_send_recipients (one row per contact and send); clicks and
    unique clickers from fct_link_clicks on the send's messages. Both are aggregated to the
    send before they are joined, so nothing fans out.
-#}

with

recipients as (

    select * from {{ ref('fct_send_recipients') }}

),

link_clicks as (

    select * from {{ ref('fct_link_clicks') }}

),

campaign_steps as (

    select * from {{ ref('stg_platform__campaign_steps') }}

),

send_contacts as (

    select
        account_id,
        campaign_id,
        step_number,
        count(*) as sent_contacts,
        sum(case when was_delivered then 1 else 0 end) as delivered_contacts,
        sum(case when is_soft_bounced then 1 else 0 end) as soft_bounced_contacts,
        sum(case when is_hard_bounced then 1 else 0 end) as hard_bounced_contacts,
        sum(case when unsubscribed then 1 else 0 end) as unsubscribed_contacts,
        sum(credits) as credits
    from recipients
    group by account_id, campaign_id, step_number

),

send_clicks as (

    select
        account_id,
        campaign_id,
        step_number,
        count(*) as clicks,
        count(distinct contact_id) as unique_clickers
    from link_clicks
    where campaign_id is not null and step_number is not null
    group by account_id, campaign_id, step_number

),

sends as (

    select
        account_id,
        campaign_id,
        step_number
    from send_contacts
    union
    select
        account_id,
        campaign_id,
        step_number
    from send_clicks

),

final as (

    select
        sends.account_id,
        sends.campaign_id,
        cast(sends.step_number as {{ dbt.type_int() }}) as step_number,
        campaign_steps.template_id,
        cast(coalesce(send_contacts.sent_contacts, 0) as {{ dbt.type_int() }}) as sent_contacts,
        cast(coalesce(send_contacts.delivered_contacts, 0) as {{ dbt.type_int() }}) as delivered_contacts,
        cast(coalesce(send_contacts.soft_bounced_contacts, 0) as {{ dbt.type_int() }}) as soft_bounced_contacts,
        cast(coalesce(send_contacts.hard_bounced_contacts, 0) as {{ dbt.type_int() }}) as hard_bounced_contacts,
        cast(coalesce(send_clicks.clicks, 0) as {{ dbt.type_int() }}) as clicks,
        cast(coalesce(send_clicks.unique_clickers, 0) as {{ dbt.type_int() }}) as unique_clickers,
        cast(coalesce(send_contacts.unsubscribed_contacts, 0) as {{ dbt.type_int() }}) as unsubscribed_contacts,
        cast(coalesce(send_contacts.credits, 0) as {{ dbt.type_int() }}) as credits
    from sends
    left join send_contacts
        on
            sends.account_id = send_contacts.account_id
            and sends.campaign_id = send_contacts.campaign_id
            and sends.step_number = send_contacts.step_number
    left join send_clicks
        on
            sends.account_id = send_clicks.account_id
            and sends.campaign_id = send_clicks.campaign_id
            and sends.step_number = send_clicks.step_number
    left join campaign_steps
        on
            sends.campaign_id = campaign_steps.campaign_id
            and sends.step_number = campaign_steps.step_number

)

select * from final
