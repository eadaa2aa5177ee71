{#
    Reply rate per campaign step at account x local day x campaign x step_number.
    - step_contacts_sent: contacts whose first sent (not canceled) message of this step of
      this campaign went out that day;
    - replied_contacts: contacts whose FIRST reply to the campaign is credited to this step
      and falls on that day (a contact counts once per campaign, at the step of its first
      reply).
    Both count campaign x contact pairs, so within one campaign they add up over days and
    steps; step reply rate = sum(replied_contacts) / sum(step_contacts_sent). Across several
    campaigns a contact enrolled in two of them counts twice (use fct_campaign_contacts for
    distinct contacts).
#}

{%- set double_type = type_double() %}

with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

messages as (

    select * from {{ ref('fct_messages') }}

),

first_replies as (

    select * from {{ ref('int_campaign_contacts__first_reply') }}

),

-- each contact's first send of a step is the earliest of its sent messages of that campaign
-- step (one account's: a campaign's messages are its account's); its day is that instant's
-- local day in the account's time zone, as fct_messages.date_day. A grouped minimum, where a
-- window numbering every sent message sorted them all.
step_first_sends as (

    select
        account_id,
        campaign_id,
        step_number,
        contact_id,
        min(created_at) as first_sent_at
    from messages
    where is_sms_sent and campaign_id is not null
    group by account_id, campaign_id, step_number, contact_id

),

step_first_send_days as (

    select
        step_first_sends.account_id,
        cast({{ to_local_timestamp('step_first_sends.first_sent_at', 'accounts.time_zone') }} as date)
            as date_day,
        step_first_sends.campaign_id,
        step_first_sends.step_number
    from step_first_sends
    left join accounts
        on step_first_sends.account_id = accounts.account_id

),

step_send_days as (

    select
        account_id,
        date_day,
        campaign_id,
        step_number,
        count(*) as step_contacts_sent,
        0 as replied_contacts
    from step_first_send_days
    group by account_id, date_day, campaign_id, step_number

),

reply_steps as (

    select
        account_id,
        date_day,
        campaign_id,
        step_number,
        0 as step_contacts_sent,
        count(*) as replied_contacts
    from first_replies
    group by account_id, date_day, campaign_id, step_number

),

stacked as (

    select * from step_send_days
    union all
    select * from reply_steps

),

summed as (

    select
        account_id,
        date_day,
        campaign_id,
        cast(step_number as integer) as step_number,
        cast(sum(step_contacts_sent) as bigint) as step_contacts_sent,
        cast(sum(replied_contacts) as bigint) as replied_contacts
    from stacked
    group by account_id, date_day, campaign_id, step_number

),

final as (

    select
        {{ generate_surrogate_key(['account_id', 'date_day', 'campaign_id', 'step_number']) }}
            as messaging_step_kpi_id,
        account_id,
        date_day,
        campaign_id,
        step_number,
        step_contacts_sent,
        replied_contacts,
        cast(case when step_contacts_sent > 0 then 1.0 * replied_contacts / step_contacts_sent end as {{ double_type }})
            as step_reply_rate
    from summed

)

select * from final
