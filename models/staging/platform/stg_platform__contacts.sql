{#- A table on every engine (DuckDB keeps most staging models as views): three models, a view
    under another model and two tests read it, and each computed the view's parsing, phone
    normalization and ranking again. Incremental: stages again only the contact_ids with a row
    loaded since the last build (less incremental_load_margin_minutes) or whose account became
    valid since, every version of each (staged_base_rows); a full build parsed and ranked all
    1 M raw contacts at M every day. An incremental build equals a full one
    (orchestration_tests/test_incremental_equivalence.py). -#}
{{
    config(
        materialized='incremental',
        unique_key='contact_id',
        on_schema_change='fail',
    )
}}

with

base as (

    {{ staged_base_rows(base_contacts, 'contacts', 'contact_id', owners=['account']) }}

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
