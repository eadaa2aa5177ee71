{#-
    A post-hook on every model (dbt_project.yml): after a table is built, give the engine's
    planner the statistics of its rows. PostgreSQL does not gather them on CREATE TABLE AS or
    INSERT, and until autovacuum gets round to it (a minute or more later) it plans the models
    that read the new table from guesses; a join of two guessed relations became a nested loop
    that recomputed one side per row of the other (README, Running on PostgreSQL). DuckDB and
    Spark keep what they need themselves: nothing to do there. Views hold no rows to analyze.
-#}
{% macro analyze_for_planner() %}
    {{ return(adapter.dispatch('analyze_for_planner', 'comms_warehouse')()) }}
{% endmacro %}

{% macro default__analyze_for_planner() -%}
{%- endmacro %}

{% macro postgres__analyze_for_planner() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
