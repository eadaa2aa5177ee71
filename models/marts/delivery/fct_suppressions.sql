{#-
    Suppression list: a contact whose messages hard-bounced 3 times is suppressed from the time
    of the 3rd hard bounce (kpi-spec "Message status"; Apsis SMS report "Hard bounce").
-#}

with

hard_bounces as (

    select * from {{ ref('int_contacts__hard_bounces') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

third_bounces as (

    select
        account_id,
        contact_id,
        bounced_at as suppressed_at,
        contact_hard_bounces as hard_bounce_count
    from hard_bounces
    where hard_bounce_number = 3

),

last_bounces as (

    select
        account_id,
        contact_id,
        error_code as last_error_code
    from hard_bounces
    where hard_bounce_number = contact_hard_bounces

),

final as (

    select
        {{ generate_surrogate_key(['third_bounces.account_id', 'third_bounces.contact_id', "'hard_bounce_3x'"]) }}
            as suppression_id,
        third_bounces.account_id,
        third_bounces.contact_id,
        third_bounces.suppressed_at,
        cast(
            {{ to_local_timestamp('third_bounces.suppressed_at', 'accounts.time_zone') }} as date
        ) as suppressed_date_day,
        'hard_bounce_3x' as reason,
        cast(third_bounces.hard_bounce_count as {{ dbt.type_int() }}) as hard_bounce_count,
        last_bounces.last_error_code
    from third_bounces
    inner join last_bounces
        on
            third_bounces.account_id = last_bounces.account_id
            and third_bounces.contact_id = last_bounces.contact_id
    left join accounts
        on third_bounces.account_id = accounts.account_id

)

select * from final
