{#-
    Seeds on Spark: dbt-spark's own loader, with three changes.
    - Column types pass through engine_type: the seeds declare `varchar`, which Spark lacks.
    - Values are written as escaped literals, not bound: the session method substitutes its
      bindings without escaping, so a seed value holding a quote (the delivery error codes'
      "Invalid 'To' phone number") broke the insert.
    - The empty table is made by `create table ... as select` (no rows), not a column list: the
      catalog is in memory (profiles.yml), so a later build finds the seed's folder from the
      last one without its table, and Spark refuses a plain create over a non-empty folder
      (LOCATION_ALREADY_EXISTS) but lets a CTAS naming the folder (spark_location.sql) replace it.
-#}
{% macro spark__create_csv_table(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
  {% set sql %}
    create table {{ this.render() }}
    {{ file_format_clause() }}
    {{ location_clause() }}
    as select
        {%- for col_name in agate_table.column_names -%}
            {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) %}
            cast(null as {{ engine_type(type) }}) as {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }}
            {%- if not loop.last -%}, {%- endif -%}
        {%- endfor %}
    where false
  {% endset %}
  {% call statement('_') -%}
    {{ sql }}
  {%- endcall %}
  {{ return(sql) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set types = [] -%}
  {%- for col_name in agate_table.column_names -%}
    {%- do types.append(engine_type(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)))) -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
      insert into {{ this.render() }} values
      {% for row in chunk -%}
        ({%- for value in row -%}
          {%- if value is none -%}cast(null as {{ types[loop.index0] }})
          {%- else -%}cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ types[loop.index0] }})
          {%- endif -%}{%- if not loop.last -%}, {% endif -%}
        {%- endfor -%}){%- if not loop.last -%},{%- endif %}
      {% endfor -%}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- do statements.append(sql) -%}
  {%- endfor -%}
  {{ return(statements[0] if statements else '') }}
{% endmacro %}
