{#-
    Character sets behind SMS encoding and segment counting (kpi-spec "SMS segments and credits").

    Every set is a list of [first, last] Unicode code point ranges, rendered into a regex character
    class by sms__char_class() with adapter-specific escapes, so no raw special character ever
    appears inside a SQL string literal (quotes, backslashes and brackets are all escaped).
-#}

{#- GSM 03.38 basic character set (one septet each). -#}
{% macro sms__gsm_basic_ranges() %}
    {{ return([
        [10, 10], [13, 13],
        [32, 90],
        [95, 95],
        [97, 122],
        [163, 163], [165, 165], [232, 232], [233, 233], [249, 249], [236, 236], [242, 242],
        [199, 199], [216, 216], [248, 248], [197, 197], [229, 229],
        [916, 916], [934, 934], [915, 915], [923, 923], [937, 937], [928, 928], [936, 936],
        [931, 931], [920, 920], [926, 926],
        [198, 198], [230, 230], [223, 223], [201, 201], [164, 164], [161, 161],
        [196, 196], [214, 214], [209, 209], [220, 220], [167, 167], [191, 191],
        [228, 228], [246, 246], [241, 241], [252, 252], [224, 224],
    ]) }}
{% endmacro %}

{#- GSM 03.38 extension table (escape + char = two septets): FF ^ { } \ [ ~ ] | and the euro sign. -#}
{% macro sms__gsm_extension_ranges() %}
    {{ return([
        [12, 12], [94, 94], [123, 123], [125, 125], [92, 92], [91, 91], [126, 126], [93, 93],
        [124, 124], [8364, 8364],
    ]) }}
{% endmacro %}

{#- Code points outside the Basic Multilingual Plane: two UTF-16 code units (a surrogate pair). -#}
{% macro sms__astral_ranges() %}
    {{ return([[65536, 1114111]]) }}
{% endmacro %}

{#- Regional indicator symbols: two of them make one flag. -#}
{% macro sms__regional_indicator_ranges() %}
    {{ return([[127462, 127487]]) }}
{% endmacro %}

{#-
    Characters that extend the grapheme cluster before them: combining marks (for engines without
    \p{M}, the common combining blocks), ZWNJ, variation selectors, emoji skin-tone modifiers and
    emoji tag characters. The zero width joiner is handled separately (it also pulls in the next
    pictograph).
-#}
{% macro sms__extend_ranges() %}
    {{ return([
        [768, 879], [1155, 1161], [1425, 1469], [1552, 1562], [1611, 1631], [2304, 2307],
        [2362, 2383], [6832, 6911], [7616, 7679], [8400, 8447], [65056, 65071],
        [8204, 8204], [65024, 65039], [127995, 127999], [917504, 917631], [917760, 917999],
    ]) }}
{% endmacro %}

{#- Approximate Extended_Pictographic: what a zero width joiner glues to the cluster before it. -#}
{% macro sms__pictographic_ranges() %}
    {{ return([
        [169, 169], [174, 174], [8252, 8252], [8265, 8265], [8482, 8482], [8505, 8505],
        [8596, 8618], [8960, 9215], [9410, 9410], [9632, 9727], [9728, 10175], [10548, 10549],
        [11013, 11015], [11035, 11036], [11088, 11088], [11093, 11093], [12336, 12336],
        [12349, 12349], [12951, 12951], [12953, 12953], [126976, 129791], [129792, 131069],
    ]) }}
{% endmacro %}

{#- One code point as a regex escape the engine understands. -#}
{% macro sms__regex_char(cp) %}
    {{ return(adapter.dispatch('sms__regex_char', 'comms_warehouse')(cp)) }}
{% endmacro %}

{#- RE2 (DuckDB) and java.util.regex (Spark) both read \x{hhhh}. -#}
{% macro default__sms__regex_char(cp) %}
    {{ return('\\x{' ~ ('%X' | format(cp)) ~ '}') }}
{% endmacro %}

{#- PostgreSQL ARE: \uhhhh inside the BMP, \Uhhhhhhhh beyond. -#}
{% macro postgres__sms__regex_char(cp) %}
    {% if cp < 65536 %}
        {{ return('\\u' ~ ('%04X' | format(cp))) }}
    {% else %}
        {{ return('\\U' ~ ('%08X' | format(cp))) }}
    {% endif %}
{% endmacro %}

{#- The body of a bracket expression (without the brackets) for a list of ranges. -#}
{% macro sms__class_body(ranges) %}
    {%- set parts = [] -%}
    {%- for r in ranges -%}
        {%- if r[0] == r[1] -%}
            {%- do parts.append(sms__regex_char(r[0])) -%}
        {%- else -%}
            {%- do parts.append(sms__regex_char(r[0]) ~ '-' ~ sms__regex_char(r[1])) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(parts | join('')) }}
{% endmacro %}

{#- '[...]' (or '[^...]' when negate) for a list of ranges. -#}
{% macro sms__char_class(ranges, negate=false) %}
    {{ return('[' ~ ('^' if negate else '') ~ sms__class_body(ranges) ~ ']') }}
{% endmacro %}

{#- A string literal holding a regex: Spark unescapes backslashes in ordinary literals, so use r''. -#}
{% macro sms__regex_literal(pattern) %}
    {{ return(adapter.dispatch('sms__regex_literal', 'comms_warehouse')(pattern)) }}
{% endmacro %}

{% macro default__sms__regex_literal(pattern) %}
    {{ return("'" ~ pattern ~ "'") }}
{% endmacro %}

{% macro spark__sms__regex_literal(pattern) %}
    {{ return("r'" ~ pattern ~ "'") }}
{% endmacro %}

{#-
    An approximate extended grapheme cluster (UAX #29) in one regex, for engines with \p{M}
    (RE2, Java): a regional-indicator pair or any single code point, followed by any number of
    combining marks / extenders, or a zero width joiner optionally followed by a pictograph.
    CR LF is deliberately NOT one cluster: Twilio's calculator splits "\r\n" into two characters.
    Not modelled (rare in SMS): Hangul jamo sequences, prepend characters.
-#}
{% macro sms__grapheme_pattern() %}
    {{ return(adapter.dispatch('sms__grapheme_pattern', 'comms_warehouse')()) }}
{% endmacro %}

{% macro default__sms__grapheme_pattern() %}
    {%- set zwj = sms__regex_char(8205) -%}
    {%- set extend = '[\\p{M}' ~ sms__class_body(sms__extend_ranges()) ~ ']' -%}
    {%- set pict = sms__char_class(sms__pictographic_ranges()) -%}
    {%- set ri = sms__char_class(sms__regional_indicator_ranges()) -%}
    {{ return('(?s)(?:' ~ ri ~ '{2}|.)(?:' ~ extend ~ '|' ~ zwj ~ pict ~ '?)*') }}
{% endmacro %}

{#- PostgreSQL has no \p{M}: use the combining-mark blocks listed in sms__extend_ranges(). -#}
{% macro postgres__sms__grapheme_pattern() %}
    {%- set zwj = sms__regex_char(8205) -%}
    {%- set extend = sms__char_class(sms__extend_ranges()) -%}
    {%- set pict = sms__char_class(sms__pictographic_ranges()) -%}
    {%- set ri = sms__char_class(sms__regional_indicator_ranges()) -%}
    {{ return('(?:' ~ ri ~ ri ~ '|.)(?:' ~ extend ~ '|' ~ zwj ~ pict ~ '?)*') }}
{% endmacro %}
