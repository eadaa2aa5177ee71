-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_messaging_kpis'}}}) }}
-- Fan-out guard: every additive count of mart_messaging_kpis, summed over the whole mart,
-- equals the same count taken straight from its fact. Returns one row per mismatch.

with kpis as (

    select
        sum(sms_sent) as sms_sent,
        sum(sms_segments_sent) as sms_segments_sent,
        sum(replies_received) as replies_received,
        sum(campaign_messages_sent) as campaign_messages_sent,
        sum(carrier_blocked_messages) as carrier_blocked_messages,
        sum(first_messages_sent) as first_messages_sent,
        sum(opt_out_messages) as opt_out_messages,
        sum(leads) as leads,
        sum(campaigns_created) as campaigns_created
    from {{ ref('mart_messaging_kpis') }}

),

messages as (

    select
        sum(case when is_sms_sent then 1 else 0 end) as sms_sent,
        sum(case when is_sms_sent and not is_mms then segments else 0 end) as sms_segments_sent,
        sum(case when direction = 'inbound' then 1 else 0 end) as replies_received,
        sum(case when is_sms_sent and campaign_id is not null then 1 else 0 end)
            as campaign_messages_sent,
        sum(
            case
                when is_sms_sent and campaign_id is not null and delivery_outcome = 'carrier_blocked'
                    then 1
                else 0
            end
        ) as carrier_blocked_messages,
        sum(case when is_sms_sent and is_first_message_of_enrollment then 1 else 0 end)
            as first_messages_sent,
        sum(case when direction = 'inbound' and is_opt_out_message then 1 else 0 end)
            as opt_out_messages
    from {{ ref('fct_messages') }}

),

leads as (

    select count(*) as leads
    from {{ ref('stg_platform__leads') }} as sms_leads
    inner join {{ ref('stg_platform__accounts') }} as accounts
        on sms_leads.account_id = accounts.account_id
    where sms_leads.channel = 'sms'

),

campaigns as (

    select count(*) as campaigns_created
    from {{ ref('dim_campaigns') }}

),

facts as (

    select
        messages.*,
        leads.leads,
        campaigns.campaigns_created
    from messages
    cross join leads
    cross join campaigns

),

comparisons as (
{% for measure in [
    'sms_sent', 'sms_segments_sent', 'replies_received', 'campaign_messages_sent',
    'carrier_blocked_messages', 'first_messages_sent', 'opt_out_messages', 'leads',
    'campaigns_created',
] %}
        select
            '{{ measure }}' as measure,
            kpis.{{ measure }} as mart_value,
            facts.{{ measure }} as fact_value
        from kpis
        cross join facts
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select *
from comparisons
where coalesce(mart_value, 0) <> coalesce(fact_value, 0)
