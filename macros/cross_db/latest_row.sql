{#
    latest_row(name, fields, order_by), in an aggregate's select list: the columns `fields` of
    the group's row that sorts first by the `order_by` expressions, each descending: the row
    row_number() over (partition by the group order by <order_by> desc) = 1 picks, found while
    aggregating instead of sorting every row of every group (at M the delivery events' window
    sort was most of int_messages__delivery_outcome). Read a field back, in a later select,
    with latest_field(relation, name, field). The `order_by` expressions must never be null
    (the engines order nulls differently) and must single out one row per group, as a
    deterministic row_number() needs too; the fields may be null.
    DuckDB: one arg_max_null of a struct of the fields over a row of the keys (one aggregate
    state per group, where one arg_max per field cost twice the CPU); Spark the same with
    max_by; PostgreSQL (and the default) one column <name>__<field> per field, each the first
    of an ordered array_agg.
#}
{% macro latest_row(name, fields, order_by) %}
    {{ return(adapter.dispatch('latest_row', 'comms_warehouse')(name, fields, order_by)) }}
{% endmacro %}

{% macro default__latest_row(name, fields, order_by) -%}
    {%- for field in fields -%}
        (array_agg({{ field }} order by
            {%- for key in order_by %} {{ key }} desc{{ ',' if not loop.last }}{% endfor -%}
        ))[1] as {{ name }}__{{ field }}{{ ',' if not loop.last }}
    {% endfor -%}
{%- endmacro %}

{% macro duckdb__latest_row(name, fields, order_by) -%}
    arg_max_null(
        struct_pack({% for field in fields %}{{ field }} := {{ field }}{{ ', ' if not loop.last }}{% endfor %}),
        row({{ order_by | join(', ') }})
    ) as {{ name }}
{%- endmacro %}

{% macro spark__latest_row(name, fields, order_by) -%}
    max_by(
        named_struct({% for field in fields %}'{{ field }}', {{ field }}{{ ', ' if not loop.last }}{% endfor %}),
        struct({{ order_by | join(', ') }})
    ) as {{ name }}
{%- endmacro %}

{#- A field of a latest_row, read from the relation (alias) that holds it. -#}
{% macro latest_field(relation, name, field) %}
    {{ return(adapter.dispatch('latest_field', 'comms_warehouse')(relation, name, field)) }}
{% endmacro %}

{% macro default__latest_field(relation, name, field) -%}
    {{ relation }}.{{ name }}__{{ field }}
{%- endmacro %}

{% macro duckdb__latest_field(relation, name, field) -%}
    {{ relation }}.{{ name }}.{{ field }}
{%- endmacro %}

{% macro spark__latest_field(relation, name, field) -%}
    {{ relation }}.{{ name }}.{{ field }}
{%- endmacro %}
