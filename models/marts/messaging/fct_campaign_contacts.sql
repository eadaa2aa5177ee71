{#
    One row per campaign x contact: the reply-rate population. A contact is in it when it was
    enrolled in the campaign or replied to it (a reply attributed to the campaign). Carries
    the campaign's local launch day (spec: with no campaign chosen, campaign-based
    denominators take every campaign launched in range), the enrollment, and the contact's
    FIRST reply to the campaign with the step and template it is credited to (a contact
    counts once, at the step of its first reply).
    Incremental by account x contact (incremental_rebuild_filter, as int_messages__inbound_attributed,
    whose attribution decides the first reply): a run rebuilds every row of each contact whose
    conversation, or an enrollment of it (any version), its campaign or the campaign's account
    changed since the newest load it holds; a contact's rows read only its own enrollments and
    replies. _loaded_at is the later of the campaign x contact's newest enrollment load and its
    conversation's newest load.
#}

{%- set contact = ['account_id', 'contact_id'] -%}
{%- set also = ['campaign_enrollments', 'campaign_steps'] -%}

{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key=contact,
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(
            ['account_id', 'contact_id'], ['campaign_enrollments', 'campaign_steps']) }}",
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
    -- by contact alone: a contact's enrollments are ranked together, whatever the account
    {{ incremental_rebuild_filter(['contact_id'], also) }}

),

first_replies as (

    select * from {{ ref('int_campaign_contacts__first_reply') }}
    {{ incremental_rebuild_filter(contact, also) }}

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
        ) as enrollment_rank,
        max(_loaded_at) over (partition by campaign_id, contact_id) as enrollments_loaded_at
    from enrollments

),

campaign_enrollments as (

    select
        enrollment_id,
        campaign_id,
        contact_id,
        enrolled_at,
        enrollments_loaded_at
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
        {{ later_of('first_replies._loaded_at', 'campaign_enrollments.enrollments_loaded_at') }}
            as _loaded_at
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
{{ incremental_rebuild_filter(contact, also) }}
