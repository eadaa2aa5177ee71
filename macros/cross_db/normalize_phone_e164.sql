{#-
    Normalize a phone number as entered to E.164 (`+` and 8 to 15 digits), or null.

    Formatting characters (spaces, dashes, dots, parentheses) are dropped; any other character
    (letters, `x` extensions, `#`) makes the value invalid. Without a leading `+`:
    10 digits get the default country code (var `default_country_calling_code`, '1' = US/CA),
    and 10 digits preceded by that country code are kept with a `+`. Anything else is null.
-#}
{% macro normalize_phone_e164(column) %}
    {{ return(adapter.dispatch('normalize_phone_e164', 'comms_warehouse')(column)) }}
{% endmacro %}

{% macro phone_e164_from_digits(column, digits, is_well_formed) -%}
    {%- set country = var('default_country_calling_code', '1') | string -%}
    case
        when not ({{ is_well_formed }}) then null
        when {{ column }} like '%+%'
            then case when length({{ digits }}) between 8 and 15 then '+' || {{ digits }} end
        when length({{ digits }}) = 10 then '+{{ country }}' || {{ digits }}
        when length({{ digits }}) = {{ 10 + country | length }} and {{ digits }} like '{{ country }}%'
            then '+' || {{ digits }}
    end
{%- endmacro %}

{#- Well formed: optional leading '+', then digits and formatting characters only. -#}
{% macro phone_pattern() -%}^ *[+]?[0-9 ().-]*[0-9][0-9 ().-]* *${%- endmacro %}

{% macro default__normalize_phone_e164(column) -%}
    {{ phone_e164_from_digits(
        column,
        "regexp_replace(" ~ column ~ ", '[^0-9]', '', 'g')",
        column ~ " ~ '" ~ phone_pattern() ~ "'"
    ) }}
{%- endmacro %}

{% macro duckdb__normalize_phone_e164(column) -%}
    {{ phone_e164_from_digits(
        column,
        "regexp_replace(" ~ column ~ ", '[^0-9]', '', 'g')",
        "regexp_matches(" ~ column ~ ", '" ~ phone_pattern() ~ "')"
    ) }}
{%- endmacro %}

{% macro spark__normalize_phone_e164(column) -%}
    {{ phone_e164_from_digits(
        column,
        "regexp_replace(" ~ column ~ ", '[^0-9]', '')",
        column ~ " rlike '" ~ phone_pattern() ~ "'"
    ) }}
{%- endmacro %}
