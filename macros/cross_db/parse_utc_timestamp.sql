{#-
    Parse an ISO-8601 text timestamp into a UTC `timestamp` (no time zone).

    Accepted: `YYYY-MM-DD` + `T` or space + `HH:MM[:SS[.fraction]]`, optionally followed by `Z` or
    an offset `+HH`, `+HHMM` or `+HH:MM` (surrounding spaces allowed). With `Z` or an offset the
    instant is exact; without one the value is already UTC (raw contract).
    Rejected (null): date-only values (`2026-03-01`), named zones (`... America/Chicago`), epoch
    numbers, lower-case `t`/`z`, single-digit months or days, impossible dates (Feb 30) and any
    other text. The shape is checked first because the engines' own casts are far more lenient.
    DuckDB: relies on the session TimeZone being UTC (set in profiles.yml) for naive values.
-#}
{% macro parse_utc_timestamp(column) %}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'comms_warehouse')(column)) }}
{% endmacro %}

{% macro iso_timestamp_pattern() -%}
    {{ return("^ *[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)? *$") }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(column) -%}
    case
        when {{ column }} ~ '{{ iso_timestamp_pattern() }}'
            then cast({{ column }} as timestamp with time zone) at time zone 'UTC'
    end
{%- endmacro %}

{% macro duckdb__parse_utc_timestamp(column) -%}
    case
        when regexp_matches({{ column }}, '{{ iso_timestamp_pattern() }}')
            then timezone('UTC', try_cast({{ column }} as timestamptz))
    end
{%- endmacro %}

{% macro postgres__parse_utc_timestamp(column) -%}
    {#- Postgres has no try_cast: a value of the right shape but an impossible date raises. -#}
    case
        when {{ column }} ~ '{{ iso_timestamp_pattern() }}'
            then cast({{ column }} as timestamp with time zone) at time zone 'UTC'
    end
{%- endmacro %}

{% macro spark__parse_utc_timestamp(column) -%}
    {#- Spark timestamps are instants shown in the session zone; run sessions in UTC. -#}
    case
        when {{ column }} rlike '{{ iso_timestamp_pattern() }}'
            then try_cast(trim({{ column }}) as timestamp)
    end
{%- endmacro %}
