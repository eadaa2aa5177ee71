{#- On DuckDB the marts and the reference tables live in a file of their own, the database
    `comms_marts` that profiles.yml attaches (orchestration/warehouse_connection.py says why: the
    publish is a byte copy of it). dbt_project.yml gives marts and seeds that database; a mart
    with a PII column names the warehouse's own (target.database) in its config, since nulling a
    column of a byte copy leaves its old values in the file's free blocks. Other engines keep one
    database: dbt's own macro, the database config ignored. -#}
{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {%- set custom = custom_database_name if target.type == 'duckdb' else none -%}
    {% do return(adapter.dispatch('generate_database_name', 'dbt')(custom, node)) %}
{%- endmacro %}


{#- on-run-start: a warehouse built before the marts file held every mart and reference table in
    its own file; a table there of a model that now lives in the marts file would be found first
    by `marts.x` (the warehouse's own schemas come first on every reader's search path), so it is
    dropped, once: the build then writes the model into the marts file. -#}
{% macro drop_marts_moved_to_marts_file() %}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set moved = {} -%}
        {%- for node in graph.nodes.values() if node.resource_type in ('model', 'seed') -%}
            {%- if node.database != target.database -%}
                {%- do moved.update({(node.schema ~ '.' ~ (node.alias or node.name)): node}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set found = run_query(
            "select table_schema, table_name, table_type from information_schema.tables"
            ~ " where table_catalog = '" ~ target.database ~ "'"
            ~ " and table_schema in ('marts', 'reference')"
        ) -%}
        {%- for row in found.rows if (row[0] ~ '.' ~ row[1]) in moved -%}
            {%- set kind = 'view' if row[2] == 'VIEW' else 'table' -%}
            {%- do run_query('drop ' ~ kind ~ ' if exists "' ~ target.database ~ '"."' ~ row[0]
                ~ '"."' ~ row[1] ~ '"') -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
