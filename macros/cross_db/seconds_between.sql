{#-
    Exact seconds from timestamp `start_at` to timestamp `end_at`, fractions kept, as a double
    (null when either is null): a call answered at 10.1 s and ended at 100.5 s talked 90.4 s.
    dbt.datediff(..., 'second') is no substitute: DuckDB's date_diff counts second boundaries
    (it says 90 s there) and Spark's truncates, so a 90.4 s call would not be a conversation.
-#}
{% macro seconds_between(start_at, end_at) %}
    {{ return(adapter.dispatch('seconds_between', 'comms_warehouse')(start_at, end_at)) }}
{% endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    cast(extract(epoch from ({{ end_at }}) - ({{ start_at }})) as {{ type_double() }})
{%- endmacro %}

{% macro duckdb__seconds_between(start_at, end_at) -%}
    {#- Whole microseconds first, one division last: epoch() differences of two doubles near
        1.7e9 would turn 90.4 s into 90.40000009536743. -#}
    (cast(epoch_us({{ end_at }}) - epoch_us({{ start_at }}) as double) / 1000000)
{%- endmacro %}

{% macro spark__seconds_between(start_at, end_at) -%}
    ((unix_micros({{ end_at }}) - unix_micros({{ start_at }})) / 1000000.0d)
{%- endmacro %}
