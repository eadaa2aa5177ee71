with phone_numbers as (

    select * from {{ ref('stg_platform__phone_numbers') }}

),

final as (

    select
        phone_number_id,
        account_id,
        e164,
        friendly_name,
        inbox_id,
        number_type,
        coalesce(is_tracking_number, false) as is_tracking_number,
        released_at is not null as is_released,
        created_at,
        updated_at,
        released_at
    from phone_numbers

)

select * from final
