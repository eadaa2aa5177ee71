{#
    Reply, delivery and carrier-block rate of each campaign, as of now (all time), with 95 %
    Wilson score intervals (macros/stats/wilson_interval.sql) beside each numerator and
    denominator, so two campaigns can be compared honestly (the API's `compare` view).

    Each rate is the Reporting page's (kpi-spec Messaging) with this one campaign chosen and
    the whole history in range: reply_rate = replied_contacts / enrolled_contacts (contacts
    enrolled in the campaign; those of them who replied to it), delivery_rate =
    delivered_first_messages / first_messages_sent, carrier_block_rate =
    carrier_blocked_messages / campaign_messages_sent. One row per campaign, activity or not.
#}

with campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

messaging_kpis as (

    select * from {{ ref('mart_messaging_kpis') }}

),

campaign_contacts as (

    select * from {{ ref('fct_campaign_contacts') }}

),

message_counts as (

    {{ messaging_rate_message_counts('campaign_id') }}

),

contact_counts as (

    select
        account_id,
        campaign_id,
        count(distinct contact_id) as enrolled_contacts,
        count(distinct case when has_replied then contact_id end) as replied_contacts
    from campaign_contacts
    where is_enrolled
    group by account_id, campaign_id

),

counted as (

    select
        campaigns.campaign_id,
        campaigns.account_id,
        campaigns.campaign_name,
        {{ messaging_rate_counts() }}
    from campaigns
    left join message_counts
        on
            campaigns.campaign_id = message_counts.campaign_id
            and campaigns.account_id = message_counts.account_id
    left join contact_counts
        on
            campaigns.campaign_id = contact_counts.campaign_id
            and campaigns.account_id = contact_counts.account_id

),

final as (

    select
        campaign_id,
        account_id,
        campaign_name,
        {{ messaging_rates_with_intervals() }}
    from counted

)

select * from final
