-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_send_report'}}}) }}
-- Fan-out guard: sent / delivered / unsubscribed contacts and credits of the SMS send report
-- equal the same counts taken from fct_send_recipients. Returns offending sends.

with

report as (

    select * from {{ ref('mart_send_report') }}

),

recipients as (

    select
        campaign_id,
        step_number,
        count(*) as sent_contacts,
        sum(case when was_delivered then 1 else 0 end) as delivered_contacts,
        sum(case when unsubscribed then 1 else 0 end) as unsubscribed_contacts,
        sum(credits) as credits
    from {{ ref('fct_send_recipients') }}
    group by campaign_id, step_number

)

select
    report.campaign_id,
    report.step_number
from report
left join recipients
    on
        report.campaign_id = recipients.campaign_id
        and report.step_number = recipients.step_number
where
    report.sent_contacts <> coalesce(recipients.sent_contacts, 0)
    or report.delivered_contacts <> coalesce(recipients.delivered_contacts, 0)
    or report.unsubscribed_contacts <> coalesce(recipients.unsubscribed_contacts, 0)
    or report.credits <> coalesce(recipients.credits, 0)
