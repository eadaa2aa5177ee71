{#- The SQL of the base model base_platform__campaign_enrollments over `raw_rows`: its source
    table, or the raw rows an incremental build stages again (staged_base_rows). -#}
{% macro base_campaign_enrollments(raw_rows) -%}
with

source as (

    select * from {{ raw_rows }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(enrollment_id, '') as enrollment_id,
        nullif(campaign_id, '') as campaign_id,
        nullif(contact_id, '') as contact_id,
        nullif(assigned_user_id, '') as assigned_user_id,
        {{ parse_utc_timestamp('enrolled_at') }} as enrolled_at,
        nullif(enrolled_at, '') as raw_enrolled_at,
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
            {{ reject_missing_required('campaign_enrollments', parsed=['enrolled_at']) }}
            {{ reject_bad_timestamp('enrolled_at') }}
        end as rejection
    from typed

),

final as (

    select
        enrollment_id,
        campaign_id,
        contact_id,
        assigned_user_id,
        enrolled_at,
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
