{#-
    Hard-bounced outbound messages per account x contact, numbered in time order
    (kpi-spec "Message status": a contact whose messages hard-bounced 3 times is suppressed from
    that moment on). A message counts once, at the time of its final (hard-bounce) status.
-#}

with

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

delivery_outcomes as (

    select * from {{ ref('int_messages__delivery_outcome') }}

),

hard_bounced_messages as (

    select
        messages.account_id,
        messages.contact_id,
        messages.message_id,
        delivery_outcomes.final_status_at as bounced_at,
        delivery_outcomes.final_error_code as error_code
    from delivery_outcomes
    inner join messages
        on delivery_outcomes.message_id = messages.message_id
    where delivery_outcomes.delivery_outcome = 'hard_bounce'

),

final as (

    select
        account_id,
        contact_id,
        message_id,
        bounced_at,
        error_code,
        row_number() over (
            partition by account_id, contact_id
            order by bounced_at, message_id
        ) as hard_bounce_number,
        count(*) over (
            partition by account_id, contact_id
        ) as contact_hard_bounces
    from hard_bounced_messages

)

select * from final
