{#-
    DuckDB's projection_pullup optimizer spends most of audit__load_reconciliation's time
    planning it (a union of 19 entities x 4 counts over the base and stg views): measured on the
    demo landing, 10.8 s of a 12.2 s optimizer pass, the whole model 22.8 s with it and 9.5 s
    without, for the same rows. The model's pre_hook turns it off and its post_hook back on. The
    setting is global in DuckDB (not per connection): a model built beside it meanwhile is
    planned without it too, which changes its speed, never its rows. Nothing on other engines.
-#}
{% macro skip_slow_planner_step() -%}
    {{ return(adapter.dispatch('skip_slow_planner_step', 'comms_warehouse')()) }}
{%- endmacro %}

{% macro default__skip_slow_planner_step() -%}
{%- endmacro %}

{% macro duckdb__skip_slow_planner_step() -%}
    set disabled_optimizers = 'projection_pullup'
{%- endmacro %}

{% macro restore_planner_steps() -%}
    {{ return(adapter.dispatch('restore_planner_steps', 'comms_warehouse')()) }}
{%- endmacro %}

{% macro default__restore_planner_steps() -%}
{%- endmacro %}

{% macro duckdb__restore_planner_steps() -%}
    reset disabled_optimizers
{%- endmacro %}
