with labels as (

    select * from {{ ref('stg_platform__labels') }}

),

final as (

    select
        label_id,
        account_id,
        label_name,
        deleted_at is not null as is_deleted,
        created_at,
        updated_at,
        deleted_at
    from labels

)

select * from final
