{#-
    Make the raw schema's tables exist before a run. On DuckDB the loader writes them itself, on
    PostgreSQL the COPY does (orchestration/landing/postgres.py); nothing to do there. On Spark
    the loader's accepted rows arrive as Parquet files, one folder per raw table under
    COMMS_SPARK_DIR/raw (orchestration/landing/spark.py): each folder becomes a table over those
    files, read anew at every query, so a load needs no DDL. Run as an on-run-start hook (its statements
    run one at a time: a Spark session takes one statement per call; the hook's own SQL is empty).
-#}
{% macro register_raw_tables() %}
    {{ return(adapter.dispatch('register_raw_tables', 'comms_warehouse')()) }}
{% endmacro %}

{% macro default__register_raw_tables() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- if execute -%}
        {%- set folder = spark_dir() ~ '/raw' -%}
        {%- for source in graph.sources.values() if source.source_name == 'platform' -%}
            {%- if loop.first -%}
                {%- do run_query('create database if not exists ' ~ source.schema) -%}
            {%- endif -%}
            {%- do run_query(
                'create table if not exists ' ~ source.schema ~ '.' ~ source.name
                ~ " using parquet location '" ~ folder ~ '/' ~ source.name.lstrip('_') ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#-
    Make a finished Spark build's tables exist in a new session: its catalog died with the build's
    process (profiles.yml), its Parquet folders did not. Each seed and table model becomes a table
    over its folder (spark_location.sql names it); views hold no files: `dbt run` them after this.
    For a later process reading the build, e.g. the unit tests of orchestration_tests/
    test_spark_parity.py after a refresh. The other engines keep their tables in their catalog.
-#}
{% macro register_built_tables() %}
    {{ return(adapter.dispatch('register_built_tables', 'comms_warehouse')()) }}
{% endmacro %}

{% macro default__register_built_tables() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__register_built_tables() -%}
    {%- set schemas = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ('model', 'seed') and node.config.materialized in ('seed', 'table', 'incremental') -%}
        {%- if node.schema not in schemas -%}
            {%- do run_query('create database if not exists ' ~ node.schema) -%}
            {%- do schemas.append(node.schema) -%}
        {%- endif -%}
        {%- do run_query(
            'create table if not exists ' ~ node.schema ~ '.' ~ node.alias
            ~ " using parquet location '" ~ spark_table_folder(node.schema, node.alias) ~ "'"
        ) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
