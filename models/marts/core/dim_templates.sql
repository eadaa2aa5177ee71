with templates as (

    select * from {{ ref('stg_platform__templates') }}

),

final as (

    select
        template_id,
        account_id,
        template_name,
        body,
        deleted_at is not null as is_deleted,
        created_at,
        updated_at,
        deleted_at
    from templates

)

select * from final
