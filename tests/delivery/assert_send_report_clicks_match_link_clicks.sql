-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_send_report'}}}) }}
-- Fan-out guard: the clicks of the SMS send report, summed over every send, equal the clicks in
-- fct_link_clicks on sent campaign step messages (is_sms_sent: outbound, not canceled), per account.
-- Returns offending rows.

with

report as (

    select
        account_id,
        sum(clicks) as report_clicks
    from {{ ref('mart_send_report') }}
    group by account_id

),

sent_messages as (

    select message_id from {{ ref('fct_messages') }}
    where is_sms_sent

),

facts as (

    select
        account_id,
        count(*) as fact_clicks
    from {{ ref('fct_link_clicks') }}
    where
        campaign_id is not null
        and step_number is not null
        and message_id in (select sent_messages.message_id from sent_messages)
    group by account_id

),

compared as (

    select
        coalesce(report.account_id, facts.account_id) as account_id,
        coalesce(report.report_clicks, 0) as report_clicks,
        coalesce(facts.fact_clicks, 0) as fact_clicks
    from report
    full outer join facts
        on report.account_id = facts.account_id

)

select * from compared
where report_clicks <> fact_clicks
