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

with messages as (

    select * from {{ ref('fct_messages') }}

),

first_replies as (

    select * from {{ ref('int_campaign_contacts__first_reply') }}

),

ranked_step_sends as (

    select
        account_id,
        date_day,
        campaign_id,
        step_number,
        contact_id,
        row_number() over (
            partition by campaign_id, step_number, contact_id
            order by created_at, message_id
        ) as send_rank
    from messages
    where is_sms_sent and campaign_id is not null

),

step_send_days as (

    select
        account_id,
        date_day,
        campaign_id,
        step_number,
        count(*) as step_contacts_sent,
        0 as replied_contacts
    from ranked_step_sends
    where send_rank = 1
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
