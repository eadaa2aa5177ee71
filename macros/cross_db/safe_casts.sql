{#-
    Casts that return null instead of failing on a bad value, so staging can set the row aside
    with a reason. Inputs are raw text columns; blanks are null.
-#}

{#- Whole numbers; '12', '+12', '-3' and '12.0' (a float export of a whole number) pass. -#}
{% macro safe_integer(column) %}
    {{ return(adapter.dispatch('safe_integer', 'comms_warehouse')(column)) }}
{% endmacro %}

{% macro integer_pattern() -%}^ *[+-]?[0-9]{1,9}([.]0*)? *${%- endmacro %}

{% macro default__safe_integer(column) -%}
    case
        when {{ column }} ~ '{{ integer_pattern() }}'
            then cast(cast({{ column }} as numeric) as integer)
    end
{%- endmacro %}

{% macro duckdb__safe_integer(column) -%}
    case
        when regexp_matches({{ column }}, '{{ integer_pattern() }}')
            then try_cast(try_cast({{ column }} as decimal(18, 6)) as integer)
    end
{%- endmacro %}

{% macro spark__safe_integer(column) -%}
    case
        when {{ column }} rlike '{{ integer_pattern() }}'
            then try_cast(try_cast(trim({{ column }}) as decimal(18, 6)) as int)
    end
{%- endmacro %}

{#- Decimal numbers: '182500.00', '-0.0079', '1e-05'; more scale than `scale` is rounded. -#}
{% macro safe_decimal(column, precision=18, scale=2) %}
    {{ return(adapter.dispatch('safe_decimal', 'comms_warehouse')(column, precision, scale)) }}
{% endmacro %}

{% macro decimal_pattern() -%}^ *[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)? *${%- endmacro %}

{#- The cast outside the case: PostgreSQL types a case whose other branch is null as bare
    `numeric`, dropping the precision and scale (a stg table then held numeric, DuckDB's copy
    of it decimal(38,9)). -#}
{% macro default__safe_decimal(column, precision, scale) -%}
    cast(
        case when {{ column }} ~ '{{ decimal_pattern() }}' then {{ column }} end
        as decimal({{ precision }}, {{ scale }})
    )
{%- endmacro %}

{% macro duckdb__safe_decimal(column, precision, scale) -%}
    try_cast({{ column }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro spark__safe_decimal(column, precision, scale) -%}
    try_cast({{ column }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{#- Booleans: true/false, 1/0, yes/no, t/f, y/n in any case; anything else is null. -#}
{% macro safe_boolean(column) %}
    {{ return(adapter.dispatch('safe_boolean', 'comms_warehouse')(column)) }}
{% endmacro %}

{% macro default__safe_boolean(column) -%}
    case
        when lower(trim({{ column }})) in ('true', 't', '1', 'yes', 'y') then true
        when lower(trim({{ column }})) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}
