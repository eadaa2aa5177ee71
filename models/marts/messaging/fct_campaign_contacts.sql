{#
    One row per campaign x contact: the reply-rate population. A contact is in it when it was
    enrolled in the campaign or replied to it (a reply attributed to the campaign). Carries
    the campaign's local launch day (spec: with no campaign chosen, campaign-based
    denominators take every campaign launched in range), the enrollment, and the contact's
    FIRST reply to the campaign with the step and template it is credited to (a contact
    counts once, at the step of its first reply).
#}

with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

enrollments as (

    select * from {{ ref('stg_platform__campaign_enrollments') }}

),

first_replies as (

    select * from {{ ref('int_campaign_contacts__first_reply') }}

),

ranked_enrollments as (

    select
        enrollment_id,
        campaign_id,
        contact_id,
        enrolled_at,
        row_number() over (
            partition by campaign_id, contact_id
            order by enrolled_at, enrollment_id
        ) as enrollment_rank
    from enrollments

),

campaign_enrollments as (

    select
        enrollment_id,
        campaign_id,
        contact_id,
        enrolled_at
    from ranked_enrollments
    where enrollment_rank = 1

),

population as (

    select
        campaign_id,
        contact_id
    from campaign_enrollments
    union
    select
        campaign_id,
        contact_id
    from first_replies

),

final as (

    select
        {{ generate_surrogate_key(['population.campaign_id', 'population.contact_id']) }} as campaign_contact_id,
        campaigns.account_id,
        population.campaign_id,
        population.contact_id,
        campaigns.campaign_type,
        campaigns.launched_date_day as campaign_launched_date_day,
        campaign_enrollments.enrollment_id,
        campaign_enrollments.enrolled_at,
        cast(
            {{ to_local_timestamp('campaign_enrollments.enrolled_at', 'accounts.time_zone') }}
            as date
        ) as enrolled_date_day,
        campaign_enrollments.enrollment_id is not null as is_enrolled,
        first_replies.first_reply_message_id,
        first_replies.replied_at as first_replied_at,
        first_replies.date_day as first_reply_date_day,
        cast(first_replies.step_number as integer) as first_reply_step_number,
        first_replies.template_id as first_reply_template_id,
        first_replies.first_reply_message_id is not null as has_replied
    from population
    inner join campaigns
        on population.campaign_id = campaigns.campaign_id
    left join accounts
        on campaigns.account_id = accounts.account_id
    left join campaign_enrollments
        on
            population.campaign_id = campaign_enrollments.campaign_id
            and population.contact_id = campaign_enrollments.contact_id
    left join first_replies
        on
            population.campaign_id = first_replies.campaign_id
            and population.contact_id = first_replies.contact_id

)

select * from final
