{#-
    A unit test's given and expected rows as SQL. dbt writes a fixture as one `select` per row
    joined by `union all`, and Spark analyzes and optimizes each branch (the carrier-block unit
    test's fixtures are 78 kB of them), so on Spark the same cells go in one inline table,
    `select * from values (...), (...) as fixture(columns)`, which Spark turns into rows while
    analyzing. Each cell is the value dbt would write (format_row: the literal
    cast to its column's type; a column a row leaves out is a typed null), so the columns keep
    their types and the rows their values. Elsewhere dbt's own macros, unchanged.
-#}
{% macro get_fixture_sql(rows, column_name_to_data_types) %}
    {{ return(adapter.dispatch('get_fixture_sql', 'comms_warehouse')(rows, column_name_to_data_types)) }}
{% endmacro %}

{% macro default__get_fixture_sql(rows, column_name_to_data_types) %}
    {{ return(dbt.get_fixture_sql(rows, column_name_to_data_types)) }}
{% endmacro %}

{% macro spark__get_fixture_sql(rows, column_name_to_data_types) %}
{#- The input's columns and types, read from its built relation as dbt's macro reads them (dbt
    passes no types; this project does not defer, and Spark validates no fixture rows). #}
{%- set columns_in_relation = adapter.get_columns_in_relation(this) -%}
{%- set types, quoted = {}, {} -%}
{%- for column in columns_in_relation -%}
    {%- do types.update({column.name | lower: column.data_type}) -%}
    {%- do quoted.update({column.name | lower: column.quoted}) -%}
{%- endfor -%}
{%- if not types -%}
    {{ exceptions.raise_compiler_error("Not able to get columns for unit test '" ~ model.name ~ "' from relation " ~ this ~ " because the relation doesn't exist") }}
{%- endif -%}
/* Fixture for {{ model.name }} */ {{ fixture_values(rows, types, quoted, complete=true) }}
{% endmacro %}

{% macro get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted) %}
    {{ return(adapter.dispatch('get_expected_sql', 'comms_warehouse')(rows, column_name_to_data_types, column_name_to_quoted)) }}
{% endmacro %}

{% macro default__get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted) %}
    {{ return(dbt.get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted)) }}
{% endmacro %}

{% macro spark__get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted) %}
    {%- if rows | length == 0 -%}
        {{ return(dbt.get_expected_sql(rows, column_name_to_data_types, column_name_to_quoted)) }}
    {%- endif -%}
    {{ return(fixture_values(rows, column_name_to_data_types, column_name_to_quoted, complete=false)) }}
{% endmacro %}

{#-
    `rows` as one inline table. complete: every column of `types` (a cell a row leaves out is a
    typed null, as dbt's fixtures); else the columns the first row names (an expected output
    names the columns it checks). No rows: one typed row of nulls, filtered out.
-#}
{% macro fixture_values(rows, types, quoted, complete) %}
    {%- set columns = types.keys() | list if complete else rows[0].keys() | map('lower') | list -%}
    {%- for row in rows if not complete and (row.keys() | map('lower') | sort | list) != (columns | sort) -%}
        {{ exceptions.raise_compiler_error("An expected row of unit test '" ~ model.name ~ "' names other columns than its first row: " ~ (row.keys() | list)) }}
    {%- endfor -%}
    {%- set cells = [] -%}
    {%- for row in (rows if rows | length > 0 else [{}]) -%}
        {%- set formatted = format_row(row, types) -%}
        {%- set row_cells = [] -%}
        {%- for column in columns -%}
            {%- do row_cells.append(formatted.get(column, safe_cast('null', types[column]) | trim)) -%}
        {%- endfor -%}
        {%- do cells.append('(' ~ row_cells | join(', ') ~ ')') -%}
    {%- endfor -%}
    {%- set names = [] -%}
    {%- for column in columns -%}
        {%- do names.append(quoted[column]) -%}
    {%- endfor -%}
    {{ return('select * from values ' ~ cells | join(',\n') ~ ' as fixture(' ~ names | join(', ') ~ ')' ~ ('' if rows | length > 0 else ' where false')) }}
{% endmacro %}
