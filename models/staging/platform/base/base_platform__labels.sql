with

source as (

    select * from {{ source('platform', 'labels') }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(label_id, '') as label_id,
        nullif(account_id, '') as account_id,
        nullif(name, '') as name,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        {{ parse_utc_timestamp('deleted_at') }} as deleted_at,
        nullif(created_at, '') as raw_created_at,
        nullif(updated_at, '') as raw_updated_at,
        nullif(deleted_at, '') as raw_deleted_at,
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from source

),

checked as (

    select
        typed.*,
        case
            {{ reject_missing_required('labels') }}
            {{ reject_bad_timestamp('created_at') }}
            {{ reject_bad_timestamp('updated_at') }}
            {{ reject_bad_timestamp('deleted_at') }}
            {{ reject_unknown_account() }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id

),

final as (

    select
        label_id,
        account_id,
        name,
        created_at,
        updated_at,
        deleted_at,
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
