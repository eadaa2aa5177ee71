{#- The SQL of the base model base_platform__contacts over `raw_rows`: its source
    table, or the raw rows an incremental build stages again (staged_base_rows). -#}
{% macro base_contacts(raw_rows) -%}
with

source as (

    select * from {{ raw_rows }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(contact_id, '') as contact_id,
        nullif(account_id, '') as account_id,
        {{ normalize_phone_e164('phone') }} as phone,
        nullif(first_name, '') as first_name,
        nullif(last_name, '') as last_name,
        nullif(email, '') as email,
        nullif(lower(trim(source)), '') as source,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        {{ parse_utc_timestamp('updated_at') }} as updated_at,
        {{ parse_utc_timestamp('deleted_at') }} as deleted_at,
        phone as phone_as_entered,
        nullif(phone, '') as raw_phone,
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
            {{ reject_missing_required('contacts', parsed=['phone', 'created_at']) }}
            {{ reject_bad_timestamp('created_at') }}
            {{ reject_bad_timestamp('updated_at') }}
            {{ reject_bad_timestamp('deleted_at') }}
            when typed.raw_phone is not null and typed.phone is null
                then 'bad_phone|phone is not a phone number: ''' || typed.raw_phone || ''''
            {{ reject_unknown_account() }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id

),

final as (

    select
        contact_id,
        account_id,
        phone,
        first_name,
        last_name,
        email,
        source,
        created_at,
        updated_at,
        deleted_at,
        phone_as_entered,
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
{%- endmacro %}
