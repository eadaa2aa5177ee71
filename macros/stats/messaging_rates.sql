{#
    What mart_campaign_rates and mart_template_rates share: the Reporting page's reply,
    delivery and carrier-block rates (kpi-spec Messaging) of one campaign or one template over
    all time, each with its 95 % Wilson interval. Only who counts as enrolled and replied differs
    between the two marts; they compute that themselves.

    messaging_rate_message_counts(dimension): the message-side numerators and denominators per
    account and `dimension` (campaign_id or template_id), summed from mart_messaging_kpis (the
    CTE named messaging_kpis).
#}
{% macro messaging_rate_message_counts(dimension) -%}
    select
        account_id,
        {{ dimension }},
        sum(first_messages_sent) as first_messages_sent,
        sum(delivered_first_messages) as delivered_first_messages,
        sum(campaign_messages_sent) as campaign_messages_sent,
        sum(carrier_blocked_messages) as carrier_blocked_messages
    from messaging_kpis
    where {{ dimension }} is not null
    group by account_id, {{ dimension }}
{%- endmacro %}

{#
    messaging_rate_counts(): the counts of an entity with no activity are 0, not null, so its
    rates are null (no denominator) and its intervals too; read from the left-joined CTEs
    contact_counts and message_counts.
#}
{% macro messaging_rate_counts() -%}
    coalesce(contact_counts.enrolled_contacts, 0) as enrolled_contacts,
    coalesce(contact_counts.replied_contacts, 0) as replied_contacts,
    coalesce(message_counts.first_messages_sent, 0) as first_messages_sent,
    coalesce(message_counts.delivered_first_messages, 0) as delivered_first_messages,
    coalesce(message_counts.campaign_messages_sent, 0) as campaign_messages_sent,
    coalesce(message_counts.carrier_blocked_messages, 0) as carrier_blocked_messages
{%- endmacro %}

{#
    messaging_rates_with_intervals(): each rate beside its numerator and denominator:
    reply_rate = replied_contacts / enrolled_contacts, delivery_rate =
    delivered_first_messages / first_messages_sent, carrier_block_rate =
    carrier_blocked_messages / campaign_messages_sent.
#}
{% macro messaging_rates_with_intervals() -%}
    cast(replied_contacts as bigint) as replied_contacts,
    cast(enrolled_contacts as bigint) as enrolled_contacts,
    {{ rate_with_wilson_interval('replied_contacts', 'enrolled_contacts', 'reply_rate') }},
    cast(delivered_first_messages as bigint) as delivered_first_messages,
    cast(first_messages_sent as bigint) as first_messages_sent,
    {{ rate_with_wilson_interval(
        'delivered_first_messages', 'first_messages_sent', 'delivery_rate'
    ) }},
    cast(carrier_blocked_messages as bigint) as carrier_blocked_messages,
    cast(campaign_messages_sent as bigint) as campaign_messages_sent,
    {{ rate_with_wilson_interval(
        'carrier_blocked_messages', 'campaign_messages_sent', 'carrier_block_rate'
    ) }}
{%- endmacro %}
