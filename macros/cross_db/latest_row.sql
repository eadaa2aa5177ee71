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

    by_first_key=true (DuckDB; the other engines ignore it and pick exactly): the row is picked
    by the first order_by key alone, a scalar arg_max, and the aggregate also keeps the group's
    two greatest first keys (<name>__top_two). A struct key costs a sort key per row: at M
    (30 M delivery events, 10 M messages) int_messages__delivery_outcome's select took 24 s of
    CPU with it, 13 s this way. The few groups whose first key ties at the top
    (latest_row_tied) the caller picks again exactly, in a second aggregate over their rows
    only, and reads the fields through latest_field(..., ties=) (none at M: so the second
    aggregate costs one scan).
#}
{% macro latest_row(name, fields, order_by, by_first_key=false) %}
    {{ return(adapter.dispatch('latest_row', 'comms_warehouse')(name, fields, order_by, by_first_key)) }}
{% endmacro %}

{% macro default__latest_row(name, fields, order_by, by_first_key=false) -%}
    {%- for field in fields -%}
        (array_agg({{ field }} order by
            {%- for key in order_by %} {{ key }} desc{{ ',' if not loop.last }}{% endfor -%}
        ))[1] as {{ name }}__{{ field }}{{ ',' if not loop.last }}
    {% endfor -%}
{%- endmacro %}

{% macro duckdb__latest_row(name, fields, order_by, by_first_key=false) -%}
    arg_max_null(
        struct_pack({% for field in fields %}{{ field }} := {{ field }}{{ ', ' if not loop.last }}{% endfor %}),
        {% if by_first_key %}{{ order_by[0] }}{% else %}row({{ order_by | join(', ') }}){% endif %}
    ) as {{ name }}
    {%- if by_first_key %},
    max({{ order_by[0] }}, 2) as {{ name }}__top_two
    {%- endif %}
{%- endmacro %}

{% macro spark__latest_row(name, fields, order_by, by_first_key=false) -%}
    max_by(
        named_struct({% for field in fields %}'{{ field }}', {{ field }}{{ ', ' if not loop.last }}{% endfor %}),
        struct({{ order_by | join(', ') }})
    ) as {{ name }}
{%- endmacro %}

{#- Whether a latest_row(..., by_first_key=true) of the relation (alias) left a tie: two rows of
    the group share its greatest first key. Never on the engines that pick exactly. -#}
{% macro latest_row_tied(relation, name) %}
    {{ return(adapter.dispatch('latest_row_tied', 'comms_warehouse')(relation, name)) }}
{% endmacro %}

{% macro default__latest_row_tied(relation, name) -%}
    false
{%- endmacro %}

{% macro duckdb__latest_row_tied(relation, name) -%}
    {{ relation }}.{{ name }}__top_two[1] = {{ relation }}.{{ name }}__top_two[2]
{%- endmacro %}

{#- A field of a latest_row, read from the relation (alias) that holds it; `ties`: the alias of
    the same latest_row picked exactly for the tied groups (left joined), which wins there. -#}
{% macro latest_field(relation, name, field, ties=none) %}
    {{ return(adapter.dispatch('latest_field', 'comms_warehouse')(relation, name, field, ties)) }}
{% endmacro %}

{% macro default__latest_field(relation, name, field, ties=none) -%}
    {{ relation }}.{{ name }}__{{ field }}
{%- endmacro %}

{% macro duckdb__latest_field(relation, name, field, ties=none) -%}
    {%- if ties -%}
        coalesce({{ ties }}.{{ name }}, {{ relation }}.{{ name }}).{{ field }}
    {%- else -%}
        {{ relation }}.{{ name }}.{{ field }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__latest_field(relation, name, field, ties=none) -%}
    {{ relation }}.{{ name }}.{{ field }}
{%- endmacro %}
