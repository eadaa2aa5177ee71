{#
    One row per campaign x contact: the reply-rate population. A contact is in it when it was
    enrolled in the campaign or replied to it (a reply attributed to the campaign). Carries
    the campaign's local launch day (spec: with no campaign chosen, campaign-based
    denominators take every campaign launched in range), the enrollment, and the contact's
    FIRST reply to the campaign with the step and template it is credited to (a contact
    counts once, at the step of its first reply).
    Incremental by contact (incremental_rebuild_filter): a run rebuilds every campaign of each
    contact with a message (or its delivery event, account, campaign or enrollment) or an
    enrollment loaded since the newest load it holds, as a reply's campaign is its contact's
    attribution; _loaded_at is the contact's newest load among its enrollments and replies.
#}

{%- set contact = ['contact_id'] -%}
{%- set also = ['campaign_enrollments'] -%}

{{
    config(
        materialized='incremental',
        unique_key='contact_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['contact_id'], ['campaign_enrollments']) }}",
    )
}}


with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

enrollments as (

    select * from {{ ref('stg_platform__campaign_enrollments') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

first_replies as (

    select * from {{ ref('int_campaign_contacts__first_reply') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

replies as (

    select * from {{ ref('int_messages__inbound_attributed') }}
    {{ incremental_rebuild_filter(contact, also) }}

),

contact_loads as (

    select
        contact_id,
        max(_loaded_at) as _loaded_at
    from (
        select
            contact_id,
            _loaded_at
        from enrollments
        union all
        select
            contact_id,
            _loaded_at
        from replies
        where attributed_campaign_id is not null
    ) as loads
    group by contact_id

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
        first_replies.first_reply_message_id is not null as has_replied,
        contact_loads._loaded_at
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
    left join contact_loads
        on population.contact_id = contact_loads.contact_id

)

select * from final
