{#
    wilson_lower(successes, trials) / wilson_upper(successes, trials): the bounds of the
    Wilson score interval for a binomial proportion (Wilson, E. B. 1927, "Probable inference,
    the law of succession, and statistical inference", JASA 22(158):209-212; the "score"
    interval of Agresti & Coull 1998, The American Statistician 52(2):119-126, eq. 2):

        (x + z^2/2 -/+ z * sqrt(x * (n - x) / n + z^2 / 4)) / (n + z^2)

    with x successes of n trials and z the normal quantile of the confidence level (95 %:
    z = 1.959963984540054). Unlike the textbook p +/- z*sqrt(p(1-p)/n) it stays inside [0, 1]
    and is not empty at x = 0 or x = n. Null when there are no trials (kpi-spec rule 3: no
    denominator, no rate); exactly 0 (lower, no success) or 1 (upper, no failure) at the edges.
    Plain arithmetic and sqrt, standard on every engine; the dispatch is the project's seam
    should one need otherwise.
#}
{% macro wilson_lower(successes, trials, z=1.959963984540054) %}
    {{ return(adapter.dispatch('wilson_bound', 'comms_warehouse')(successes, trials, z, '-')) }}
{% endmacro %}

{% macro wilson_upper(successes, trials, z=1.959963984540054) %}
    {{ return(adapter.dispatch('wilson_bound', 'comms_warehouse')(successes, trials, z, '+')) }}
{% endmacro %}

{% macro default__wilson_bound(successes, trials, z, sign) -%}
    {#- At the edge the bound is exactly 0 (no success) or 1 (no failure), where the formula's
        float rounding would give -1e-18 or 1 + 1e-16. -#}
    {%- set edge_successes = '0' if sign == '-' else trials -%}
    {%- set edge_bound = '0' if sign == '-' else '1' -%}
    case
        when {{ trials }} > 0 and {{ successes }} = {{ edge_successes }}
            then cast({{ edge_bound }} as {{ type_double() }})
        when {{ trials }} > 0
            then (
                cast({{ successes }} as {{ type_double() }}) + {{ z }} * {{ z }} / 2
                {{ sign }} {{ z }} * sqrt(
                    cast({{ successes }} as {{ type_double() }})
                    * ({{ trials }} - {{ successes }}) / {{ trials }}
                    + {{ z }} * {{ z }} / 4
                )
            ) / ({{ trials }} + {{ z }} * {{ z }})
    end
{%- endmacro %}

{#
    rate_with_wilson_interval(numerator, denominator, key): three columns, `key` (the rate,
    null without a denominator), `key`_lower and `key`_upper (its 95 % Wilson bounds), for the
    marts that publish a rate with its uncertainty beside its numerator and denominator.
#}
{% macro rate_with_wilson_interval(numerator, denominator, key) -%}
    case
        when {{ denominator }} > 0
            then cast({{ numerator }} as {{ type_double() }}) / {{ denominator }}
    end as {{ key }},
    {{ wilson_lower(numerator, denominator) }} as {{ key }}_lower,
    {{ wilson_upper(numerator, denominator) }} as {{ key }}_upper
{%- endmacro %}
