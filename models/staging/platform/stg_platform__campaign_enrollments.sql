{#- A table on every engine (DuckDB keeps most staging models as views): nine models, the
    messages' and opt events' staging among them, and two tests read it, and each computed the
    view's parsing and ranking again. -#}
{{ config(materialized='table') }}

with

base as (

    select * from {{ ref('base_platform__campaign_enrollments') }}

),

versions as (

    {{ latest_valid_versions('base', 'enrollment_id') }}

),

final as (

    select
        enrollment_id,
        campaign_id,
        contact_id,
        assigned_user_id,
        enrolled_at,
        _file_id,
        _row_number,
        _export_date,
        _loaded_at
    from versions
    where version_rank = 1

)

select * from final
