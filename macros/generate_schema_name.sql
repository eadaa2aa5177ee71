{#- Layers get plain schema names (staging, marts, ...) rather than dbt's <target>_<custom>,
    so BI tools and the report read the same names on every engine. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
