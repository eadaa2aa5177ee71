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

{#- DuckDB: the instant's microseconds since the epoch are its UTC wall-clock time, so the naive
    UTC timestamp is made from them (make_timestamp(epoch_us)), the same value as
    timezone('UTC', ...) without its calendar conversion (half the cost of that step, on every
    raw timestamp of every base model). -#}
{% macro duckdb__parse_utc_timestamp(column) -%}
    case
        when regexp_matches({{ column }}, '{{ iso_timestamp_pattern() }}')
            then make_timestamp(epoch_us(try_cast({{ column }} as timestamptz)))
    end
{%- endmacro %}

{% macro postgres__parse_utc_timestamp(column) -%}
    {#- PostgreSQL has no try_cast (an impossible date raises), rejects offsets DuckDB takes
        (+25:00) and rounds a 7th fraction digit DuckDB drops. So the instant is built from its
        parts, each checked first, as DuckDB reads them: the local date and time, the fraction
        cut to microseconds, minus the offset's minutes. 24:00 with nothing after it is the
        next midnight; seconds 60 and year 0000 are null. Nested cases keep the order. -#}
    {%- set text = "trim(" ~ column ~ ")" -%}
    {%- set part = "cast(substr(" ~ text ~ ", {}, 2) as integer)" -%}
    {%- set year = "cast(substr(" ~ text ~ ", 1, 4) as integer)" -%}
    {%- set month, day, hour, minute = part.format(6), part.format(9), part.format(12), part.format(15) -%}
    {%- set second = "coalesce(cast(substring(" ~ text ~ " from '^.{16}:([0-9]{2})') as integer), 0)" -%}
    {%- set fraction = "substring(" ~ text ~ " from '^.{19}[.]([0-9]{1,9})')" -%}
    {%- set micros = "coalesce(cast(rpad(left(" ~ fraction ~ ", 6), 6, '0') as integer), 0)" -%}
    {%- set offset = "replace(substring(" ~ text ~ " from '^.{16}[^+-]*[+-]([0-9:]+)$'), ':', '')" -%}
    {%- set offset_minutes -%}
        (case when {{ text }} ~ '^.{16}[^+-]*-' then -1 else 1 end)
        * coalesce(cast(left({{ offset }}, 2) as integer) * 60 + coalesce(cast(nullif(substr({{ offset }}, 3, 2), '') as integer), 0), 0)
    {%- endset -%}
    {%- set leap_day = "case when (" ~ year ~ " % 4 = 0 and " ~ year ~ " % 100 <> 0) or " ~ year ~ " % 400 = 0 then 1 else 0 end" -%}
    case
        when {{ column }} ~ '{{ iso_timestamp_pattern() }}' then
            case
                when {{ year }} >= 1
                    and {{ month }} between 1 and 12
                    and {{ day }} between 1 and case
                        when {{ month }} = 2 then 28 + {{ leap_day }}
                        when {{ month }} in (4, 6, 9, 11) then 30
                        else 31
                    end
                    and {{ minute }} <= 59
                    and {{ second }} <= 59
                    and ({{ hour }} <= 23 or ({{ hour }} = 24 and {{ minute }} = 0 and {{ second }} = 0 and {{ micros }} = 0))
                then cast(substr({{ text }}, 1, 10) as date)
                    + ({{ hour }} * 60 + {{ minute }} - {{ offset_minutes }}) * interval '1 minute'
                    + ({{ second }} * 1000000 + {{ micros }}) * interval '1 microsecond'
            end
    end
{%- endmacro %}

{% macro spark__parse_utc_timestamp(column) -%}
    {#- Spark timestamps are instants shown in the session zone; run sessions in UTC. Spark
        reads ISO 24:00 (the end of a day) as no time at all: it is the next day's 00:00, as
        DuckDB and PostgreSQL read it (an impossible date stays null). -#}
    case
        when {{ column }} rlike '{{ iso_timestamp_pattern() }}'
            then case
                when trim({{ column }}) rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]24:00(:00([.]0+)?)?([Z+-]|$)'
                    then try_cast(
                        regexp_replace(trim({{ column }}), '([T ])24:00', '$100:00') as timestamp
                    ) + interval 1 day
                else try_cast(trim({{ column }}) as timestamp)
            end
    end
{%- endmacro %}
