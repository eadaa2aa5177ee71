{#- The SQL of the base model base_platform__link_clicks over `raw_rows`: its source
    table, or the raw rows an incremental build stages again (staged_base_rows). -#}
{% macro base_link_clicks(raw_rows) -%}
with

source as (

    select * from {{ raw_rows }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(click_id, '') as click_id,
        nullif(message_id, '') as message_id,
        nullif(link_id, '') as link_id,
        nullif(url, '') as url,
        {{ parse_utc_timestamp('clicked_at') }} as clicked_at,
        nullif(user_agent, '') as user_agent,
        nullif(clicked_at, '') as raw_clicked_at,
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
            {{ reject_missing_required('link_clicks', parsed=['clicked_at']) }}
            {{ reject_bad_timestamp('clicked_at') }}
        end as rejection
    from typed

),

final as (

    select
        click_id,
        message_id,
        link_id,
        url,
        clicked_at,
        user_agent,
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
