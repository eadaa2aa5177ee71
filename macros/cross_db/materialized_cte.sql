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

{#-
    `events as {{ inlined_cte() }} (`: a CTE read twice that the engine should compute where it
    is read, not store whole first: the second reader takes a few of its rows (a filter it
    pushes into the scan), and storing every row (DuckDB and PostgreSQL store a CTE read more
    than once) costs more than computing those again. Spark inlines every CTE: nothing there.
-#}
{% macro inlined_cte() %}
    {{ return(adapter.dispatch('inlined_cte', 'comms_warehouse')()) }}
{% endmacro %}

{% macro default__inlined_cte() -%}
    not materialized
{%- endmacro %}

{% macro spark__inlined_cte() -%}
{%- endmacro %}
