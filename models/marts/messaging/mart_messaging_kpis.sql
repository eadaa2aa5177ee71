{#
    Reporting page (Messaging) at account x local day x campaign x template: every ADDITIVE
    numerator and denominator of kpi-spec.md, so any date range / campaign / template filter
    is a plain sum. campaign_id null = messages outside any campaign (manual inbox messages,
    unattributed replies, response times); template_id null = no template (campaign
    counters, manual messages, enrollments).

    Every source is first aggregated to the grain on its own, then the aggregates are stacked
    (union all) and summed per grain: no join between sources, so nothing can fan out.
    Unique-contact KPIs and the median live in fct_messaging_contact_days,
    fct_campaign_contacts and fct_responses (see the YAML for the BI queries).
#}

{%- set double_type = type_double() %}

with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

messages as (

    select * from {{ ref('fct_messages') }}

),

-- the campaign and template of a lead's message, read apart from `messages`: a CTE read twice
-- is computed once and kept whole (DuckDB), every column of every message (4.5 of the
-- model's 15 s of operator time at M), where each read alone takes only its columns
lead_messages as (

    select
        message_id,
        campaign_id,
        template_id
    from {{ ref('fct_messages') }}

),

leads as (

    select * from {{ ref('stg_platform__leads') }}

),

opt_events as (

    select * from {{ ref('int_opt_events__linked') }}

),

enrollments as (

    select * from {{ ref('stg_platform__campaign_enrollments') }}

),

first_replies as (

    select * from {{ ref('int_campaign_contacts__first_reply') }}

),

response_times as (

    select * from {{ ref('int_conversations__response_times') }}

),

campaign_counts as (

    select
        account_id,
        created_date_day as date_day,
        campaign_id,
        null as template_id,
        count(*) as campaigns_created,
        sum(case when campaign_type = 'standard' then 1 else 0 end) as standard_campaigns_created,
        sum(case when campaign_type = 'keyword' then 1 else 0 end) as keyword_campaigns_created
    from campaigns
    group by account_id, created_date_day, campaign_id

),

message_counts as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        sum(case when is_sms_sent then 1 else 0 end) as sms_sent,
        sum(case when is_sms_sent and not is_mms then segments else 0 end) as sms_segments_sent,
        sum(case when is_sms_sent and is_mms then 1 else 0 end) as mms_sent,
        sum(case when is_sms_sent and is_campaign_message then 1 else 0 end)
            as campaign_messages_sent,
        sum(
            case
                when is_sms_sent and is_campaign_message and delivery_outcome = 'carrier_blocked'
                    then 1
                else 0
            end
        ) as carrier_blocked_messages,
        sum(case when is_sms_sent and delivery_outcome = 'delivered' then 1 else 0 end)
            as delivered_messages,
        sum(case when is_sms_sent and is_first_message_of_enrollment then 1 else 0 end)
            as first_messages_sent,
        sum(
            case
                when is_sms_sent and is_first_message_of_enrollment and delivery_outcome = 'delivered'
                    then 1
                else 0
            end
        ) as delivered_first_messages,
        sum(case when direction = 'inbound' then 1 else 0 end) as replies_received,
        sum(case when direction = 'inbound' and is_opt_out_message then 1 else 0 end)
            as opt_out_messages,
        sum(case when direction = 'inbound' and is_keyword_opt_out then 1 else 0 end)
            as keyword_opt_out_messages,
        sum(case when direction = 'inbound' and has_opt_out_language then 1 else 0 end)
            as opt_out_language_messages,
        sum(case when direction = 'outbound' and is_canceled then 1 else 0 end)
            as canceled_messages
    from messages
    group by account_id, date_day, campaign_id, template_id

),

sms_leads as (

    select
        leads.account_id,
        cast({{ to_local_timestamp('leads.created_at', 'accounts.time_zone') }} as date) as date_day,
        coalesce(leads.campaign_id, lead_messages.campaign_id) as campaign_id,
        lead_messages.template_id
    from leads
    inner join accounts
        on leads.account_id = accounts.account_id
    left join lead_messages
        on leads.message_id = lead_messages.message_id
    where leads.channel = 'sms'

),

lead_counts as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        count(*) as leads
    from sms_leads
    group by account_id, date_day, campaign_id, template_id

),

ai_filter_events as (

    select
        opt_events.account_id,
        cast({{ to_local_timestamp('opt_events.occurred_at', 'accounts.time_zone') }} as date)
            as date_day,
        opt_events.campaign_id,
        opt_events.template_id
    from opt_events
    inner join accounts
        on opt_events.account_id = accounts.account_id
    where opt_events.method = 'ai_filter' and opt_events.direction = 'opt_out'

),

ai_filter_counts as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        count(*) as ai_filter_opt_outs
    from ai_filter_events
    group by account_id, date_day, campaign_id, template_id

),

enrollment_days as (

    select
        campaigns.account_id,
        cast({{ to_local_timestamp('enrollments.enrolled_at', 'accounts.time_zone') }} as date)
            as date_day,
        enrollments.campaign_id
    from enrollments
    inner join campaigns
        on enrollments.campaign_id = campaigns.campaign_id
    inner join accounts
        on campaigns.account_id = accounts.account_id

),

enrollment_counts as (

    select
        account_id,
        date_day,
        campaign_id,
        null as template_id,
        count(*) as enrollments
    from enrollment_days
    group by account_id, date_day, campaign_id

),

first_reply_counts as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        count(*) as campaign_first_replies
    from first_replies
    group by account_id, date_day, campaign_id, template_id

),

response_counts as (

    select
        account_id,
        date_day,
        null as campaign_id,
        null as template_id,
        sum(case when is_answered then 1 else 0 end) as responses_measured,
        sum(case when is_answered then 0 else 1 end) as unanswered_streaks,
        sum(case when is_answered then response_seconds else 0 end) as response_seconds_total
    from response_times
    group by account_id, date_day

),

stacked as (

    {%- set measures = [
        'campaigns_created', 'standard_campaigns_created', 'keyword_campaigns_created',
        'sms_sent', 'sms_segments_sent', 'mms_sent', 'campaign_messages_sent',
        'carrier_blocked_messages', 'delivered_messages', 'first_messages_sent',
        'delivered_first_messages', 'replies_received', 'opt_out_messages',
        'keyword_opt_out_messages', 'opt_out_language_messages', 'canceled_messages',
        'leads', 'ai_filter_opt_outs', 'enrollments', 'campaign_first_replies',
        'responses_measured', 'unanswered_streaks', 'response_seconds_total',
    ] -%}
    {%- set sources = {
        'campaign_counts': ['campaigns_created', 'standard_campaigns_created', 'keyword_campaigns_created'],
        'message_counts': [
            'sms_sent', 'sms_segments_sent', 'mms_sent', 'campaign_messages_sent',
            'carrier_blocked_messages', 'delivered_messages', 'first_messages_sent',
            'delivered_first_messages', 'replies_received', 'opt_out_messages',
            'keyword_opt_out_messages', 'opt_out_language_messages', 'canceled_messages',
        ],
        'lead_counts': ['leads'],
        'ai_filter_counts': ['ai_filter_opt_outs'],
        'enrollment_counts': ['enrollments'],
        'first_reply_counts': ['campaign_first_replies'],
        'response_counts': ['responses_measured', 'unanswered_streaks', 'response_seconds_total'],
    } -%}
    {%- for source_name, source_measures in sources.items() %}

        select
            account_id,
            date_day,
            campaign_id,
            {%- for measure in measures %}
                {% if measure in source_measures %}{{ measure }}{% else %}0{% endif %} as {{ measure }},
            {%- endfor %}
            template_id
        from {{ source_name }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

summed as (

    select
        account_id,
        date_day,
        campaign_id,
        {#- response seconds keep their fractions; every other measure is a count #}
        {%- for measure in measures %}
            {%- set measure_type = type_double() if measure == 'response_seconds_total' else 'bigint' %}
            cast(sum({{ measure }}) as {{ measure_type }}) as {{ measure }},
        {%- endfor %}
        template_id
    from stacked
    group by account_id, date_day, campaign_id, template_id

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'date_day', 'campaign_id', 'template_id']) }} as messaging_kpi_id,
        account_id,
        date_day,
        campaign_id,
        template_id,
        {%- for measure in measures %}
            {{ measure }},
        {%- endfor %}
        cast(
            case
                when campaign_messages_sent > 0 then 1.0 * carrier_blocked_messages / campaign_messages_sent
            end as {{ double_type }}
        ) as carrier_block_rate,
        cast(
            case
                when first_messages_sent > 0 then 1.0 * delivered_first_messages / first_messages_sent
            end as {{ double_type }}
        ) as delivery_rate,
        cast(case when sms_sent > 0 then 1.0 * opt_out_messages / sms_sent end as {{ double_type }}) as opt_out_rate,
        cast(case when sms_sent > 0 then 1.0 * leads / sms_sent end as {{ double_type }}) as sms_to_lead_rate,
        cast(case when delivered_messages > 0 then 1.0 * leads / delivered_messages end as {{ double_type }})
            as sms_to_lead_rate_delivered
    from summed

)

select * from final
