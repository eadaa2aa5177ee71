{#-
    Where a table's files go on the local Spark: the folder Spark would choose for a managed table
    (<warehouse dir>/<schema>.db/<name>), but named in the DDL. Spark's catalog lives in memory
    (profiles.yml), so a later build finds each folder from the last one without its table;
    Spark refuses to create a managed table over a non-empty folder (LOCATION_ALREADY_EXISTS) but
    lets `create table ... location ... as select` replace it (allowNonEmptyLocationInCTAS).
    Only for profiles.yml's `spark` target (the local session; dbt's target context does not show
    the method); another Spark target, e.g. a cluster's, keeps dbt-spark's behaviour, and a
    model's own `location_root` still wins.
-#}
{% macro spark__location_clause() %}
  {%- set location_root = config.get('location_root', validator=validation.any[basestring]) -%}
  {%- set identifier = model['alias'] -%}
  {%- if location_root is not none %}
    location '{{ location_root }}/{{ identifier }}'
  {%- elif target.name == 'spark' %}
    location '{{ spark_table_folder(model['schema'], identifier) }}'
  {%- endif %}
{%- endmacro %}

{#-
    The folder of a table the local Spark builds: <spark_dir>/tables/<schema>.db/<name>, where
    Spark would keep a managed table. Read by the location clause above and, after the build, by
    register_built_tables.sql and orchestration/targets/spark.py (Python, same layout).
-#}
{% macro spark_table_folder(schema, identifier) -%}
    {{ return(spark_dir() ~ '/tables/' ~ schema ~ '.db/' ~ identifier) }}
{%- endmacro %}

{#-
    The local Spark's folder (raw/ and tables/): COMMS_SPARK_DIR, else the warehouse file's path
    + ".spark", as profiles.yml's spark.sql.warehouse.dir and orchestration/landing/spark.py's
    spark_dir (Python) resolve it.
-#}
{% macro spark_dir() -%}
    {{ return(env_var('COMMS_SPARK_DIR', env_var('COMMS_WAREHOUSE_PATH', env_var('DBT_PROFILES_DIR', '.') ~ '/warehouse/comms.duckdb') ~ '.spark')) }}
{%- endmacro %}
