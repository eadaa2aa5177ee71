{#-
    The later (later_of) or earlier (earlier_of) of two values, either of which may be null: the
    other one then, null only when both are. Written as a case, the same on every engine: whether
    greatest()/least() skip a null differs between engines and versions.
-#}
{% macro later_of(first, second) -%}
    case
        when {{ first }} is null then {{ second }}
        when {{ second }} is null then {{ first }}
        when {{ first }} > {{ second }} then {{ first }}
        else {{ second }}
    end
{%- endmacro %}

{% macro earlier_of(first, second) -%}
    case
        when {{ first }} is null then {{ second }}
        when {{ second }} is null then {{ first }}
        when {{ first }} < {{ second }} then {{ first }}
        else {{ second }}
    end
{%- endmacro %}
