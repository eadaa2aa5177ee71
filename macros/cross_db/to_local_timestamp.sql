{#-
    Convert a UTC `timestamp` (no time zone) to the wall-clock time in an IANA zone, e.g. for
    the account's local reporting day: to_local_timestamp('m.created_at', 'a.time_zone').
    Both arguments are SQL expressions (a column or a quoted literal).
    On a DST fall-back day two different UTC instants give the same local wall-clock time.
-#}
{% macro to_local_timestamp(timestamp_utc, time_zone) %}
    {{ return(adapter.dispatch('to_local_timestamp', 'comms_warehouse')(timestamp_utc, time_zone)) }}
{% endmacro %}

{% macro default__to_local_timestamp(timestamp_utc, time_zone) -%}
    (({{ timestamp_utc }}) at time zone 'UTC') at time zone ({{ time_zone }})
{%- endmacro %}

{% macro duckdb__to_local_timestamp(timestamp_utc, time_zone) -%}
    timezone({{ time_zone }}, timezone('UTC', {{ timestamp_utc }}))
{%- endmacro %}

{% macro spark__to_local_timestamp(timestamp_utc, time_zone) -%}
    from_utc_timestamp({{ timestamp_utc }}, {{ time_zone }})
{%- endmacro %}
