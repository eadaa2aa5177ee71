{#-
    dbt's row-by-row column tests (not_null, unique, accepted_values, relationships), one test
    node per model and kind instead of one per column: dbt spends a fixed ~0.2 s on every test
    node (and a test on a view recomputes the view), which was most of a small build's time.

    Each test takes the model's columns as a list; an entry is a column name, or a mapping with
    `name` (a column or an expression) and, where the rule holds for some rows only, `where`
    (the rows it applies to, as dbt's `where:` config did for one column). Severity stays per
    node: the columns a test checks at severity warn are a second node of the same kind.

    A test returns one row per failing column: column_name, rule (what failed) and failures,
    the count dbt's own test of that column would have reported (rows for not_null and
    relationships, distinct values for unique and accepted_values). `fail_calc` adds them up,
    so the node fails with the total; macros/tests/test_materialization.sql logs the rows of a
    failing node, which names the columns (the refresh shows them on the asset check).

    The watermark scoping of an hourly refresh (macros/tests/get_where_subquery.sql) applies to
    `model` as it did to dbt's tests: the parents a relationships test looks up stay whole.
-#}

{% test not_null_columns(model, columns) %}
    {{ config(fail_calc=folded_test_fail_calc()) }}
    {%- set entries = folded_test_entries(columns) %}
    {#- One scan of the model counts every column's nulls. #}
    with counted as (
        select
        {%- for entry in entries %}
            sum(case when {{ folded_test_applies(entry) }}{{ entry.name }} is null then 1 else 0 end)
                as failures_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ model }}
    )
    {{ folded_test_rows(entries, 'counted', 'is null') }}
{% endtest %}

{% test accepted_values_columns(model, columns) %}
    {{ config(fail_calc=folded_test_fail_calc()) }}
    {%- set entries = folded_test_entries(columns) %}
    {#- dbt's accepted_values counts the distinct values outside the list (a null is accepted). #}
    with counted as (
        select
        {%- for entry in entries %}
            count(distinct case
                when {{ folded_test_applies(entry) }}{{ entry.name }} not in (
                    {%- for value in entry['values'] -%}
                        {{ folded_test_literal(value) if entry.get('quote', true) else value }}
                        {{- ', ' if not loop.last }}
                    {%- endfor -%}
                ) then {{ entry.name }}
            end) as failures_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ model }}
    )
    {{ folded_test_rows(entries, 'counted', 'is not an accepted value') }}
{% endtest %}

{% test unique_columns(model, columns) %}
    {{ config(fail_calc=folded_test_fail_calc()) }}
    {%- set entries = folded_test_entries(columns) %}
    {#- dbt's unique counts the non-null values that occur more than once. #}
    with counted as (
        {%- for entry in entries %}
        select
            {{ loop.index }} as entry,
            count(*) as failures
        from (
            select {{ entry.name }} as unique_field
            from {{ model }}
            where {{ folded_test_applies(entry) }}{{ entry.name }} is not null
            group by {{ entry.name }}
            having count(*) > 1
        ) as duplicated_{{ loop.index }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    )
    {{ folded_test_rows(entries, 'counted', 'is not unique', long=true) }}
{% endtest %}

{% test relationships_columns(model, columns) %}
    {{ config(fail_calc=folded_test_fail_calc()) }}
    {%- set entries = folded_test_entries(columns) %}
    {#- dbt's relationships counts the child rows whose non-null value the parent lacks. #}
    with counted as (
        {%- for entry in entries %}
        select
            {{ loop.index }} as entry,
            count(*) as failures
        from (
            select {{ entry.name }} as from_field
            from {{ model }}
            where {{ folded_test_applies(entry) }}{{ entry.name }} is not null
        ) as child
        left join (
            select {{ entry.field }} as to_field
            from {{ ref(entry.to) }}
        ) as parent
            on child.from_field = parent.to_field
        where parent.to_field is null
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    )
    {%- set rules = [] %}
    {%- for entry in entries %}
        {%- do rules.append('is not in ' ~ entry.to ~ '.' ~ entry.field) %}
    {%- endfor %}
    {{ folded_test_rows(entries, 'counted', rules, long=true) }}
{% endtest %}

{#- A folded test's failures: the sum of its rows' (a bigint, which dbt reads as an integer on
    every engine; PostgreSQL's sum of bigints is numeric). -#}
{% macro folded_test_fail_calc() -%}
    cast(coalesce(sum(failures), 0) as bigint)
{%- endmacro %}

{#- The entries of a folded test's `columns`, each a mapping with `name` (a bare name becomes
    one). -#}
{% macro folded_test_entries(columns) %}
    {%- if columns is string or columns is mapping or not columns -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ': `columns` must be a non-empty list, got ' ~ columns) }}
    {%- endif -%}
    {%- set entries = [] -%}
    {%- for column in columns -%}
        {%- do entries.append(column if column is mapping else {'name': column}) -%}
    {%- endfor -%}
    {%- do return(entries) -%}
{% endmacro %}

{#- "(<where>) and " for an entry that applies to some rows only, else nothing. -#}
{% macro folded_test_applies(entry) -%}
    {%- if entry.get('where') -%}({{ entry.where }}) and {% endif -%}
{%- endmacro %}

{% macro folded_test_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#- The failing rows of a folded test from `counted`: wide (failures_1, failures_2, ... in one
    row) or long (one row per entry, numbered in `entry`). `rule` is one text, or one per entry. -#}
{% macro folded_test_rows(entries, counted, rule, long=false) %}
    {%- for entry in entries %}
    select
        {{ folded_test_literal(entry.name) }} as column_name,
        {{ folded_test_literal(rule if rule is string else rule[loop.index0]) }} as rule,
        {{ 'failures' if long else 'failures_' ~ loop.index }} as failures
    from {{ counted }}
    where {{ 'entry = ' ~ loop.index ~ ' and failures' if long else 'failures_' ~ loop.index }} > 0
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{% endmacro %}
