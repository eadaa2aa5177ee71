{#- A table on every engine (DuckDB keeps most staging models as views): three models, a view
    under another model and two tests read it, and each computed the view's parsing, phone
    normalization and ranking again. -#}
{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__contacts') }}

),

versions as (

    {{ latest_valid_versions('base', 'contact_id', updated_at='updated_at') }}

),

final as (

    select
        contact_id,
        account_id,
        phone,
        phone_as_entered,
        first_name,
        last_name,
        email,
        source,
        created_at,
        updated_at,
        deleted_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
