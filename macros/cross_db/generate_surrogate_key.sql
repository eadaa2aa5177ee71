{#-
    The one way a model builds a key from columns: md5 of the parts cast to text and joined by
    '|', a null part written '~' (dbt_utils' generate_surrogate_key with this project's separator
    and sentinel, the ones most keys used before it, so they kept their values). A null part is
    a value, so a row whose campaign or template is null still gets a key. Parts that contain '|'
    could collide (('a|b', 'c') and ('a', 'b|c')); the ids keyed here never do.
    `columns` is a list of SQL expressions (columns, casts, quoted literals).
-#}
{% macro generate_surrogate_key(columns) %}
    {{ return(adapter.dispatch('generate_surrogate_key', 'comms_warehouse')(columns)) }}
{% endmacro %}

{% macro default__generate_surrogate_key(columns) -%}
    {%- if columns is string or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "generate_surrogate_key takes a non-empty list of column expressions"
        ) }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first %}{% do parts.append("'|'") %}{% endif -%}
        {%- do parts.append("coalesce(" ~ dbt.cast(column, dbt.type_string()) ~ ", '~')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
