with users as (

    select * from {{ ref('stg_platform__users') }}

),

final as (

    select
        user_id,
        account_id,
        full_name,
        role,
        deactivated_at is null as is_active,
        created_at,
        updated_at,
        deactivated_at
    from users

)

select * from final
