{#
    median(expr): the interpolating median of expr, as an aggregate.
    An even number of values gives the mean of the two middle values
    ([10, 20, 30, 40, 50, 60] -> 35), an odd number the middle one
    ([20, 30, 40, 50, 60] -> 40); nulls are ignored.
    DuckDB and Spark have median(); PostgreSQL (and the ANSI default) need
    percentile_cont(0.5) within group (order by expr).
#}
{% macro median(expr) %}
    {{ return(adapter.dispatch('median', 'comms_warehouse')(expr)) }}
{% endmacro %}

{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro postgres__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}
