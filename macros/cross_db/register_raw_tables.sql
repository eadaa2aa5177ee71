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
