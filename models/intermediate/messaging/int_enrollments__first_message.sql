{#
    One row per campaign enrollment with the first outbound message sent in it (the
    "initial"): the earliest outbound message carrying the enrollment_id, ties broken by
    message_id. Canceled messages were never sent and are skipped (int_messages__exchanged).
    Enrollments with no outbound message yet keep a row with null first_message_* (the
    "x of N" of the campaign box needs them).
#}

with

enrollments as (

    select * from {{ ref('stg_platform__campaign_enrollments') }}

),

campaigns as (

    select * from {{ ref('stg_platform__campaigns') }}

),

messages as (

    select * from {{ ref('int_messages__exchanged') }}

),

enrollment_outbound as (

    select
        enrollment_id,
        message_id,
        created_at,
        template_id,
        step_number,
        row_number() over (
            partition by enrollment_id
            order by created_at, message_id
        ) as message_rank
    from messages
    where
        direction = 'outbound'
        and enrollment_id is not null

),

first_messages as (

    select * from enrollment_outbound
    where message_rank = 1

),

final as (

    select
        enrollments.enrollment_id,
        enrollments.campaign_id,
        enrollments.contact_id,
        campaigns.account_id,
        enrollments.assigned_user_id,
        enrollments.enrolled_at,
        first_messages.message_id as first_message_id,
        first_messages.created_at as first_message_at,
        first_messages.template_id,
        first_messages.step_number
    from enrollments
    left join campaigns
        on enrollments.campaign_id = campaigns.campaign_id
    left join first_messages
        on enrollments.enrollment_id = first_messages.enrollment_id

)

select * from final
