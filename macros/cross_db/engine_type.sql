{#-
    A type name as the project declares it (contracts' data_type, seeds' column_types: DuckDB
    and PostgreSQL spellings such as `varchar`, `double precision`) → the engine's name for it.
    Spark has no bare `varchar` (it needs a length) and no `double precision`: its names are
    `string` and `double`. dbt renders YAML types without macros, so the project declares them
    once and this is the one place they are translated (see spark__cast below and
    spark_seeds.sql).
-#}
{% macro engine_type(declared) %}
    {{ return(adapter.dispatch('engine_type', 'comms_warehouse')(declared)) }}
{% endmacro %}

{% macro default__engine_type(declared) -%}
    {{ return(declared) }}
{%- endmacro %}

{% macro spark__engine_type(declared) -%}
    {%- set spark_names = {'varchar': 'string', 'text': 'string', 'double precision': 'double'} -%}
    {{ return(spark_names.get(declared | lower | trim, declared)) }}
{%- endmacro %}

{#- dbt's own cast, which it calls on every contract column's declared type to check the model's
    columns against the contract (get_empty_schema_sql): on Spark through engine_type. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ engine_type(type) }})
{%- endmacro %}
