{#-
    The rows a generic data test reads (dbt wraps every generic test's `model` in this macro):
    the test's own `where:` config, as dbt does, and on an hourly (incremental) refresh only the
    rows loaded since the run's watermark.

    The watermark comes from the refresh (orchestration/dbt/assets.py), in the environment
    variable COMMS_WAREHOUSE_TEST_ROWS_LOADED_AFTER: the newest `_loaded_at` the incremental
    staging tables held before this build, so every row loaded after it is new to this build.
    It is unset on a --full-refresh build (the daily one), on a first build and outside a
    refresh: then every test reads every row.

    Scoped: not_null, unique, accepted_values and relationships (its child side; the parent it
    looks up stays whole), dbt's own or folded per model (folded_column_tests.sql), at severity
    error on models with a `_loaded_at` column. A row-by-row rule holds for the old rows as it
    did when they were tested; a unique key duplicated across an old and a new row, or an old
    row restaged without a new load (its owner changed), is caught by the daily full build. Every other test reads every row: totals_match compares two
    whole models, singular tests span models, and a warn test's count is the number the refresh
    summary reports. Read at execution only: at parse time the environment
    variable would be recorded and every change of it would re-parse every test.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set loaded_after = test_rows_loaded_after() -%}
    {%- if loaded_after -%}
        {%- set scope = '_loaded_at > cast(' ~ dbt.string_literal(loaded_after) ~ ' as '
            ~ dbt.type_timestamp() ~ ')' -%}
        {%- set where = scope ~ (' and (' ~ where ~ ')' if where else '') -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The watermark a test is scoped to, or none when it reads every row (see above). -#}
{% macro test_rows_loaded_after() -%}
    {%- set scoped_tests = ['not_null', 'unique', 'accepted_values', 'relationships']
        + folded_test_names() -%}
    {%- if not execute or model.resource_type != 'test' -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- if (model.test_metadata or {}).get('name') not in scoped_tests
        or config.get('severity', 'error') | lower != 'error' -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node or '') -%}
    {%- if tested is none or '_loaded_at' not in tested.columns -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- do return(env_var('COMMS_WAREHOUSE_TEST_ROWS_LOADED_AFTER', '') or none) -%}
{%- endmacro %}
