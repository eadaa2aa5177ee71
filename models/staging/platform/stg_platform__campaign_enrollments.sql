{#- A table on every engine (DuckDB keeps most staging models as views): nine models, the
    messages' and opt events' staging among them, and two tests read it, and each computed the
    view's parsing and ranking again. Incremental: stages again only the enrollment_ids with a
    row loaded since the last build (less incremental_load_margin_minutes), every version of
    each (staged_base_rows); a full build typed, checked and ranked all 3.4 M raw enrollments at
    M every day. An enrollment's validity reads no owner, so its valid versions only grow and
    restaging its key from them all is exact (orchestration_tests/test_incremental_equivalence.py). -#}
{{
    config(
        materialized='incremental',
        unique_key='enrollment_id',
        on_schema_change='fail',
    )
}}

with

base as (

    {{ staged_base_rows(base_campaign_enrollments, 'campaign_enrollments', 'enrollment_id') }}

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
