{#-
    SMS encoding and segment count (kpi-spec "SMS segments and credits"; reference: Twilio's
    sms-segments-calculator without smart encoding).

    sms_encoding(body)  -> 'GSM-7' | 'UCS-2' (null for a null body; '' is GSM-7)
    sms_segments(body)  -> number of parts (null for a null body: unknown; 1 for an empty
                           body, as Twilio's calculator says)

    Rules:
      * GSM-7 when every character is in the GSM 03.38 basic set or extension table, else UCS-2.
      * One part: <= 160 septets (extension characters cost 2) or <= 70 UTF-16 code units
        (characters beyond the BMP cost 2).
      * Longer: parts of <= 153 septets / 67 code units, filled greedily; a part never splits an
        escape pair, a surrogate pair or a grapheme cluster: the whole cluster moves to the next
        part. A cluster larger than a part gets a part of its own (as Twilio does).

    Pass a column (or a cheap expression): the argument is repeated in the generated SQL. For
    speed, call it on distinct bodies and join back (see int_messages__segmented).
-#}

{% macro sms_encoding(body) %}
    {{ return(adapter.dispatch('sms_encoding', 'comms_warehouse')(body)) }}
{% endmacro %}

{% macro default__sms_encoding(body) %}
    {%- set non_gsm = sms__char_class(sms__gsm_basic_ranges() + sms__gsm_extension_ranges(), negate=true) -%}
    (case
        when {{ body }} is null then null
        when {{ sms__regex_contains(body, non_gsm) }} then 'UCS-2'
        else 'GSM-7'
    end)
{% endmacro %}


{% macro sms_segments(body) %}
    {{ return(adapter.dispatch('sms_segments', 'comms_warehouse')(body)) }}
{% endmacro %}

{% macro default__sms_segments(body) %}
    {%- set non_ext = sms__char_class(sms__gsm_extension_ranges(), negate=true) -%}
    {%- set non_astral = sms__char_class(sms__astral_ranges(), negate=true) -%}
    (case
        when {{ body }} is null then null
        when {{ body }} = '' then 1
        when {{ sms_encoding(body) }} = 'GSM-7' then
            case
                when {{ sms__weighted_length(body, non_ext) }} <= 160 then 1
                else {{ sms__pack_parts(body, non_ext, 153) }}
            end
        else
            case
                when {{ sms__weighted_length(body, non_astral) }} <= 70 then 1
                else {{ sms__pack_parts(body, non_astral, 67) }}
            end
    end)
{% endmacro %}


{#- Code points of expr, plus one for each code point NOT matched by not_costly_class. -#}
{% macro sms__weighted_length(expr, not_costly_class) %}
    (length({{ expr }}) + length({{ sms__regex_remove(expr, not_costly_class) }}))
{% endmacro %}


{#- True when expr contains a match of the regex pattern (text of the pattern, unquoted). -#}
{% macro sms__regex_contains(expr, pattern) %}
    {{ return(adapter.dispatch('sms__regex_contains', 'comms_warehouse')(expr, pattern)) }}
{% endmacro %}

{% macro default__sms__regex_contains(expr, pattern) %}
    regexp_matches({{ expr }}, {{ sms__regex_literal(pattern) }})
{% endmacro %}

{% macro spark__sms__regex_contains(expr, pattern) %}
    ({{ expr }} rlike {{ sms__regex_literal(pattern) }})
{% endmacro %}

{% macro postgres__sms__regex_contains(expr, pattern) %}
    ({{ expr }} ~ {{ sms__regex_literal(pattern) }})
{% endmacro %}


{#- expr with every match of the regex pattern removed. -#}
{% macro sms__regex_remove(expr, pattern) %}
    {{ return(adapter.dispatch('sms__regex_remove', 'comms_warehouse')(expr, pattern)) }}
{% endmacro %}

{% macro default__sms__regex_remove(expr, pattern) %}
    regexp_replace({{ expr }}, {{ sms__regex_literal(pattern) }}, '', 'g')
{% endmacro %}

{% macro spark__sms__regex_remove(expr, pattern) %}
    regexp_replace({{ expr }}, {{ sms__regex_literal(pattern) }}, '')
{% endmacro %}


{#-
    Greedy packing of grapheme clusters into parts of at most `cap` units, where a cluster costs
    its code points plus one per code point not matched by not_costly_class. Returns the number
    of parts. Only called for bodies over the single-message limit. (DuckDB has its own faster
    duckdb__sms_segments below and does not use this.)
-#}
{% macro sms__pack_parts(body, not_costly_class, cap) %}
    {{ return(adapter.dispatch('sms__pack_parts', 'comms_warehouse')(body, not_costly_class, cap)) }}
{% endmacro %}

{#- Every dispatched macro needs a default (dbt resolves dispatch targets when it parses). -#}
{% macro default__sms__pack_parts(body, not_costly_class, cap) %}
    {{ exceptions.raise_compiler_error(
        'sms_segments has no part-packing implementation for adapter ' ~ target.type
        ~ ' (implemented: duckdb, spark, postgres)'
    ) }}
{% endmacro %}

{#- Number of parts of a list of costs packed greedily into parts of at most cap (DuckDB). -#}
{% macro sms__duckdb_fold(costs, cap) %}
    list_reduce(
        {{ costs }},
        lambda sms_acc, sms_cost: case
            when sms_acc.used + sms_cost > {{ cap }} and sms_acc.used > 0
                then {'parts': sms_acc.parts + 1, 'used': sms_cost}
            else {'parts': sms_acc.parts, 'used': sms_acc.used + sms_cost}
        end,
        {'parts': cast(1 as bigint), 'used': cast(0 as bigint)}
    ).parts
{% endmacro %}

{#-
    DuckDB, tuned (about 3x less CPU than the generic form on long personalised bodies): no
    regex per character or cluster, and no fold at all when nothing can straddle a boundary
    (a GSM-7 body without extension characters, a UCS-2 body without surrogate pairs, marks or
    joiners: parts = ceil(length / 153 or 67)).
      * GSM-7 bodies never contain combining marks, joiners or astral characters, so their
        clusters are single code points: split with string_split(body, '') and cost each with an
        IN list of the extension characters.
      * UCS-2 bodies are split into grapheme clusters with one regexp_extract_all; a cluster of one
        code point costs 2 when it takes 4 UTF-8 bytes (beyond the BMP), else 1; a longer cluster
        sums the same over its code points.
-#}
{% macro duckdb__sms_segments(body) %}
    {%- set non_ext = sms__char_class(sms__gsm_extension_ranges(), negate=true) -%}
    {%- set non_astral = sms__char_class(sms__astral_ranges(), negate=true) -%}
    {%- set ext = sms__char_class(sms__gsm_extension_ranges()) -%}
    {%- set joining = '[\\p{M}' ~ sms__class_body(
        sms__extend_ranges() + sms__astral_ranges() + [[8205, 8205]]
    ) ~ ']' -%}
    (case
        when {{ body }} is null then null
        when {{ body }} = '' then 1
        when {{ sms_encoding(body) }} = 'GSM-7' then
            case
                when {{ sms__weighted_length(body, non_ext) }} <= 160 then 1
                -- no extension character: every character costs 1, nothing to keep together
                when not regexp_matches({{ body }}, {{ sms__regex_literal(ext) }})
                    then (length({{ body }}) + 152) // 153
                else {{ sms__duckdb_fold(sms__duckdb_gsm_costs(body), 153) }}
            end
        else
            case
                when {{ sms__weighted_length(body, non_astral) }} <= 70 then 1
                -- no surrogate pair and no multi-code-point cluster: every character costs 1
                when not regexp_matches({{ body }}, {{ sms__regex_literal(joining) }})
                    then (length({{ body }}) + 66) // 67
                else {{ sms__duckdb_fold(sms__duckdb_ucs2_costs(body), 67) }}
            end
    end)
{% endmacro %}

{#- Septets of each character of a GSM-7 body: 2 for the extension table, else 1 (DuckDB). -#}
{% macro sms__duckdb_gsm_costs(body) %}
    {%- set ext_chars = [] -%}
    {%- for r in sms__gsm_extension_ranges() -%}
        {%- for cp in range(r[0], r[1] + 1) -%}
            {%- do ext_chars.append('chr(' ~ cp ~ ')') -%}
        {%- endfor -%}
    {%- endfor -%}
    list_transform(
        string_split({{ body }}, ''),
        lambda sms_char: case when sms_char in ({{ ext_chars | join(', ') }}) then 2 else 1 end
    )
{% endmacro %}

{#- UTF-16 code units of each grapheme cluster of a UCS-2 body (DuckDB). -#}
{% macro sms__duckdb_ucs2_costs(body) %}
    list_transform(
        regexp_extract_all({{ body }}, {{ sms__regex_literal(sms__grapheme_pattern()) }}),
        lambda sms_cluster: case
            when length(sms_cluster) = 1 then case when strlen(sms_cluster) = 4 then 2 else 1 end
            else list_sum(list_transform(
                string_split(sms_cluster, ''),
                lambda sms_char: case when strlen(sms_char) = 4 then 2 else 1 end
            ))
        end
    )
{% endmacro %}

{#- Spark: the same fold with transform() and aggregate(). -#}
{% macro spark__sms__pack_parts(body, not_costly_class, cap) %}
    aggregate(
        transform(
            regexp_extract_all({{ body }}, {{ sms__regex_literal(sms__grapheme_pattern()) }}, 0),
            sms_cluster -> cast({{ sms__weighted_length('sms_cluster', not_costly_class) }} as bigint)
        ),
        named_struct('parts', cast(1 as bigint), 'used', cast(0 as bigint)),
        (sms_acc, sms_cost) -> if(
            sms_acc.used + sms_cost > {{ cap }} and sms_acc.used > 0,
            named_struct('parts', sms_acc.parts + 1, 'used', sms_cost),
            named_struct('parts', sms_acc.parts, 'used', sms_acc.used + sms_cost)
        )
    ).parts
{% endmacro %}

{#- PostgreSQL: clusters from regexp_matches(..., 'g') with ordinality, folded by a recursive CTE. -#}
{% macro postgres__sms__pack_parts(body, not_costly_class, cap) %}
    (
        with recursive sms_clusters as (
            select
                sms_match.ord as ord,
                {{ sms__weighted_length('sms_match.cluster[1]', not_costly_class) }} as cost
            from regexp_matches(
                {{ body }}, {{ sms__regex_literal(sms__grapheme_pattern()) }}, 'g'
            ) with ordinality as sms_match (cluster, ord)
        ),

        sms_pack (ord, parts, used) as (
            select cast(0 as bigint), cast(1 as bigint), cast(0 as bigint)
            union all
            select
                sms_clusters.ord,
                case
                    when sms_pack.used + sms_clusters.cost > {{ cap }} and sms_pack.used > 0
                        then sms_pack.parts + 1
                    else sms_pack.parts
                end,
                case
                    when sms_pack.used + sms_clusters.cost > {{ cap }} and sms_pack.used > 0
                        then sms_clusters.cost
                    else sms_pack.used + sms_clusters.cost
                end
            from sms_pack
            inner join sms_clusters on sms_clusters.ord = sms_pack.ord + 1
        )

        select max(sms_pack.parts) from sms_pack
    )
{% endmacro %}
