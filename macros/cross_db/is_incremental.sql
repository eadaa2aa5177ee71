{#-
    dbt's is_incremental(), except on Spark, where every run of an incremental model is a full
    one. The project's incremental models re-derive the keys a run touched and merge them on
    their key (delete+insert on DuckDB and PostgreSQL); Spark's plain Parquet tables can neither
    delete nor merge, and their insert_overwrite of a model without partition_by replaces the
    whole table, so an incremental select there would leave only the run's rows. A full select
    overwritten whole is correct, if not incremental (README, Portability).
-#}
{% macro is_incremental() %}
    {%- if target.type == 'spark' -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}
