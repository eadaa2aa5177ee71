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

{#- DuckDB: the UTC timestamp's microseconds are the instant (make_timestamptz), the same value
    as timezone('UTC', ...) without a calendar conversion; only the account's zone needs one. -#}
{% macro duckdb__to_local_timestamp(timestamp_utc, time_zone) -%}
    timezone({{ time_zone }}, make_timestamptz(epoch_us({{ timestamp_utc }})))
{%- endmacro %}

{#-
    Java's zone database (Spark's) rejects two names the iana_time_zones seed lists, and the query
    fails (INVALID_TIMEZONE) instead of giving null: `ROC`, an IANA link to Asia/Taipei that Java
    leaves out, and America/Coyhaique, a zone newer (tzdata 2025b) than Debian's Java 17. Both get
    the same wall-clock times from names Java knows: the link's target; and for Coyhaique its
    rules, which were America/Santiago's until 2025-03-20 00:00 local (03:00 UTC) and fixed -03
    since (both zones were at -03 that day and until 2025-04-06, so the switch is exact).
-#}
{% macro spark__to_local_timestamp(timestamp_utc, time_zone) -%}
    from_utc_timestamp({{ timestamp_utc }}, case ({{ time_zone }})
        when 'ROC' then 'Asia/Taipei'
        when 'America/Coyhaique' then
            case when ({{ timestamp_utc }}) < timestamp'2025-03-20 03:00:00' then 'America/Santiago' else '-03:00' end
        else ({{ time_zone }})
    end)
{%- endmacro %}
