{#-
    The engine's 8-byte floating-point type, for measures with fractions (seconds):
    dbt.type_float() is `float`, a 4-byte real on DuckDB, too coarse for sums of seconds.
-#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'comms_warehouse')()) }}
{% endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
