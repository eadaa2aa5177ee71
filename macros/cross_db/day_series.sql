{#-
    One row per calendar day from date `first_day` to date `last_day`, both included, as a
    `date` column expression for a select list (a set-returning expression: the select yields a
    row per day). Replaces a recursive CTE, which Spark runs as one job per step (a dim_dates of
    three years took minutes there).
-#}
{% macro day_series(first_day, last_day) %}
    {{ return(adapter.dispatch('day_series', 'comms_warehouse')(first_day, last_day)) }}
{% endmacro %}

{% macro default__day_series(first_day, last_day) -%}
    cast(generate_series({{ first_day }}, {{ last_day }}, interval '1 day') as date)
{%- endmacro %}

{% macro duckdb__day_series(first_day, last_day) -%}
    cast(unnest(generate_series({{ first_day }}, {{ last_day }}, interval 1 day)) as date)
{%- endmacro %}

{% macro spark__day_series(first_day, last_day) -%}
    explode(sequence({{ first_day }}, {{ last_day }}, interval 1 day))
{%- endmacro %}
