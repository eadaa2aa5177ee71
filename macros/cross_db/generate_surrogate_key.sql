{#-
    The one way a model builds a key from columns: the hash of the columns as text, joined by
    '|', a null column written as '~' (dbt_utils' generate_surrogate_key semantics with this
    project's separator and sentinel). One separator keeps ('a|b', 'c') and ('a', 'b|c') apart
    only as far as ids hold no '|'; one sentinel makes a null part a value, so a row whose
    campaign or template is null still gets a key, and the same key in every mart.
    `columns` is a list of SQL expressions (columns, casts, quoted literals).
-#}
{% macro generate_surrogate_key(columns) %}
    {{ return(adapter.dispatch('generate_surrogate_key', 'comms_warehouse')(columns)) }}
{% endmacro %}

{% macro default__generate_surrogate_key(columns) -%}
    {%- if columns is string or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("generate_surrogate_key takes a non-empty list of column expressions") }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first %}{% do parts.append("'|'") %}{% endif -%}
        {%- do parts.append("coalesce(" ~ dbt.cast(column, dbt.type_string()) ~ ", '~')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
