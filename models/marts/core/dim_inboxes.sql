with inboxes as (

    select * from {{ ref('stg_platform__inboxes') }}

),

final as (

    select
        inbox_id,
        account_id,
        inbox_name,
        inbox_type,
        owner_user_id,
        created_at,
        updated_at
    from inboxes

)

select * from final
