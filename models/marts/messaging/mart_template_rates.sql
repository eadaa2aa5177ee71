{#
    Reply, delivery and carrier-block rate of each message template, as of now (all time),
    with 95 % Wilson score intervals (macros/stats/wilson_interval.sql) beside each numerator
    and denominator: the executive report's template table and the API's `compare` view.

    Each rate is the Reporting page's (kpi-spec Messaging) with this one template chosen, no
    campaign chosen and the whole history in range, within the template's own account:
    reply_rate = replied_contacts / enrolled_contacts (contacts enrolled in a launched
    campaign that sent them the template; those of them whose first reply to the campaign is
    credited to the template), delivery_rate = delivered_first_messages /
    first_messages_sent, carrier_block_rate = carrier_blocked_messages /
    campaign_messages_sent. One row per template, activity or not.
#}

with templates as (

    select * from {{ ref('dim_templates') }}

),

messaging_kpis as (

    select * from {{ ref('mart_messaging_kpis') }}

),

campaign_contacts as (

    select * from {{ ref('fct_campaign_contacts') }}

),

contact_days as (

    select * from {{ ref('fct_messaging_contact_days') }}

),

message_counts as (

    {{ messaging_rate_message_counts('template_id') }}

),

-- campaign x contact pairs sent each template (the reply rate's "sent the selected templates")
template_recipients as (

    select distinct
        template_id,
        campaign_id,
        contact_id
    from contact_days
    where template_id is not null and campaign_id is not null and messages_sent > 0

),

-- each enrolled contact once per account and template, with whether its first reply to a
-- campaign that sent it the template is credited to the template: grouped once, where two
-- distinct counts per template each grouped the joined rows again
template_contacts as (

    select
        campaign_contacts.account_id,
        template_recipients.template_id,
        campaign_contacts.contact_id,
        max(
            case
                when
                    campaign_contacts.has_replied
                    and campaign_contacts.first_reply_template_id = template_recipients.template_id
                    then 1
            end
        ) as replied_to_template
    from campaign_contacts
    inner join template_recipients
        on
            campaign_contacts.campaign_id = template_recipients.campaign_id
            and campaign_contacts.contact_id = template_recipients.contact_id
    where
        campaign_contacts.is_enrolled
        -- no campaign chosen: the campaigns launched in range, all time = ever launched
        and campaign_contacts.campaign_launched_date_day is not null
    group by
        campaign_contacts.account_id,
        template_recipients.template_id,
        campaign_contacts.contact_id

),

contact_counts as (

    select
        account_id,
        template_id,
        count(*) as enrolled_contacts,
        count(replied_to_template) as replied_contacts
    from template_contacts
    group by account_id, template_id

),

counted as (

    select
        templates.template_id,
        templates.account_id,
        templates.template_name,
        {{ messaging_rate_counts() }}
    from templates
    left join message_counts
        on
            templates.template_id = message_counts.template_id
            and templates.account_id = message_counts.account_id
    left join contact_counts
        on
            templates.template_id = contact_counts.template_id
            and templates.account_id = contact_counts.account_id

),

final as (

    select
        template_id,
        account_id,
        template_name,
        {{ messaging_rates_with_intervals() }}
    from counted

)

select * from final
