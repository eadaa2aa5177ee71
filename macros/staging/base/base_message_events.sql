{#- The SQL of the base model base_platform__message_events over `raw_rows`: its source
    table, or the raw rows an incremental build stages again (staged_base_rows). -#}
{% macro base_message_events(raw_rows) -%}
with

source as (

    select * from {{ raw_rows }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(event_id, '') as event_id,
        nullif(message_id, '') as message_id,
        nullif(lower(trim(status)), '') as status,
        {{ parse_utc_timestamp('occurred_at') }} as occurred_at,
        nullif(error_code, '') as error_code,
        {{ safe_integer('attempt') }} as attempt,
        nullif(occurred_at, '') as raw_occurred_at,
        nullif(attempt, '') as raw_attempt,
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
            {{ reject_missing_required('message_events', parsed=['occurred_at']) }}
            {{ reject_bad_timestamp('occurred_at') }}
            when typed.raw_attempt is not null and typed.attempt is null
                then 'bad_number|attempt is not an integer: ''' || typed.raw_attempt || ''''
            when typed.status not in (
                    'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'canceled', 'received', 'read'
                )
                then 'unknown_enum|status is not a known status: ''' || typed.status || ''''
            when typed.attempt < 0
                then 'negative_number|attempt is negative: ''' || typed.raw_attempt || ''''
        end as rejection
    from typed

),

final as (

    select
        event_id,
        message_id,
        status,
        occurred_at,
        error_code,
        attempt,
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
