{{
    config(
        materialized='incremental',
        unique_key=['entity', 'file_id'],
        on_schema_change='fail',
        pre_hook="{{ delete_rebuilt_files() }}",
    )
}}

{#- Every raw row that staging set aside, with the file and record it came from and why.
    Incremental by landed file: a run computes again the files whose rows may have changed
    (audit_rebuilt_files.sql); a --full-refresh build computes every file. -#}
{%- set rebuilt = audit_rebuilt_file_ids() -%}

with

unioned as (

    {% for entity in audit_record_keys() %}
        select
            '{{ entity }}' as entity,
            _file_path as file_path,
            _file_id as file_id,
            _row_number as row_number,
            _export_date as export_date,
            reject_reason,
            reject_detail,
            _loaded_at as loaded_at
        from {{ ref('base_platform__' ~ entity) }}
        where
            reject_reason is not null
            and {{ in_rebuilt_files(entity, rebuilt) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
