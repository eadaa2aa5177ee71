{#-
    `typed as {{ materialized_cte() }} (`: a CTE the engine computes once, where it would
    otherwise copy the CTE's expressions into every reference. PostgreSQL inlines a CTE read
    once, and a base model's checks name each parsed column up to seven times, each copy
    re-parsing the text (timestamps are a dozen string functions each): `materialized` makes it
    parse each value once. DuckDB and Spark compute a projected expression once: nothing there.
-#}
{% macro materialized_cte() %}
    {{ return(adapter.dispatch('materialized_cte', 'comms_warehouse')()) }}
{% endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}
