-- Reported to Dagster as a check on the model it proves (a test of several models needs one).
{{ config(meta={'dagster': {'ref': {'name': 'mart_usage_daily'}}}) }}
-- Fan-out guard: usage segments / credits and the contact-grain fact's message counts,
-- summed over their marts, equal the same sums taken from fct_messages.

with usage_totals as (

    select
        sum(segments_sent) as segments_sent,
        sum(segments_received) as segments_received,
        sum(credits_used) as credits_used
    from {{ ref('mart_usage_daily') }}

),

account_usage_totals as (

    select
        sum(segments_sent) as segments_sent,
        sum(credits_used) as credits_used
    from {{ ref('mart_account_usage_daily') }}

),

contact_day_totals as (

    select
        sum(messages_sent) as messages_sent,
        sum(replies_received) as replies_received
    from {{ ref('fct_messaging_contact_days') }}

),

message_totals as (

    select
        sum(
            case when direction = 'outbound' and not is_canceled and not is_mms then segments else 0 end
        ) as segments_sent,
        sum(case when direction = 'inbound' and not is_mms then segments else 0 end)
            as segments_received,
        sum(case when direction = 'inbound' or not is_canceled then credits else 0 end)
            as credits_used,
        sum(case when is_sms_sent then 1 else 0 end) as messages_sent,
        sum(case when direction = 'inbound' then 1 else 0 end) as replies_received
    from {{ ref('fct_messages') }}

),

totals as (

    select
        usage_totals.segments_sent as usage_segments_sent,
        usage_totals.segments_received as usage_segments_received,
        usage_totals.credits_used as usage_credits_used,
        account_usage_totals.segments_sent as account_usage_segments_sent,
        account_usage_totals.credits_used as account_usage_credits_used,
        contact_day_totals.messages_sent as contact_days_messages_sent,
        contact_day_totals.replies_received as contact_days_replies_received,
        message_totals.segments_sent,
        message_totals.segments_received,
        message_totals.credits_used,
        message_totals.messages_sent,
        message_totals.replies_received
    from usage_totals
    cross join account_usage_totals
    cross join contact_day_totals
    cross join message_totals

),

comparisons as (
{% for mart_column, fact_column in [
    ('usage_segments_sent', 'segments_sent'),
    ('usage_segments_received', 'segments_received'),
    ('usage_credits_used', 'credits_used'),
    ('account_usage_segments_sent', 'segments_sent'),
    ('account_usage_credits_used', 'credits_used'),
    ('contact_days_messages_sent', 'messages_sent'),
    ('contact_days_replies_received', 'replies_received'),
] %}
        select
            '{{ mart_column }}' as measure,
            {{ mart_column }} as mart_value,
            {{ fact_column }} as fact_value
        from totals
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select *
from comparisons
where coalesce(mart_value, 0) <> coalesce(fact_value, 0)
