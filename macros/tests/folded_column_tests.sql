{#-
    dbt's row-by-row column tests (not_null, unique, accepted_values, relationships), folded into
    one test node per model and severity, `column_rules`: dbt spends a fixed cost on every test
    node (compiling, the materialization's statements, its events, Dagster's check result), and
    a test on a view recomputes the view, once per node. With one node per kind a model had up
    to four nodes, and a view was computed up to four times.

    The test takes a list per kind; an entry is a column name, or a mapping with `name` (a
    column or an expression; for unique, `columns` instead: a combination of columns) and, where the rule holds for some rows only, `where` (the rows it
    applies to, as dbt's `where:` config did for one column); accepted_values entries add
    `values` (and `quote`, default true), relationships entries `to` (the parent model) and
    `field`. Severity stays per node: the rules a model checks at severity warn are a second
    node, `column_rules_<model>__warn`.

    A test returns one row per failing column and rule: column_name, rule (what failed, which
    names the kind) and failures, the count dbt's own test of that column would have reported
    (rows for not_null and relationships, distinct values for unique and accepted_values).
    `fail_calc` adds them up, so the node fails with the total;
    macros/tests/test_materialization.sql logs the rows of a failing node, which names the
    columns (the refresh shows them on the asset check).

    The watermark scoping of an hourly refresh (macros/tests/get_where_subquery.sql) applies to
    `model` as it did to dbt's tests: the parents a relationships test looks up stay whole.
-#}

{% test column_rules(model, not_null=none, unique=none, accepted_values=none, relationships=none) %}
    {{ config(fail_calc=folded_test_fail_calc()) }}
    {%- set kinds = [] %}
    {%- for kind, columns in [('not_null', not_null), ('unique', unique),
            ('accepted_values', accepted_values), ('relationships', relationships)] %}
        {%- if columns is not none %}
            {%- do kinds.append((kind, folded_test_entries(columns))) %}
        {%- endif %}
    {%- endfor %}
    {%- if not kinds %}
        {{ exceptions.raise_compiler_error('column_rules on ' ~ model ~ ' lists no rule: give at least one of'
            ~ ' not_null, unique, accepted_values, relationships') }}
    {%- endif %}
    {#- A view is computed once for every rule: a common table expression read by several
        rules is materialized (DuckDB and PostgreSQL do so by themselves). A table is read as it
        is. -#}
    {%- set is_view = folded_test_reads_a_view() %}
    {%- set rows = 'tested_rows' if is_view else model %}
    with
    {%- if is_view %}
    tested_rows as (
        select * from {{ model }}
    ),
    {%- endif %}
    {%- for kind, entries in kinds %}
    {{ kind }}_counted as (
        {{ folded_kind_sql(kind, 'counts', entries, rows) }}
    ){{ ',' if not loop.last }}
    {%- endfor %}
    {%- for kind, entries in kinds %}
    {{ folded_kind_sql(kind, 'rows', entries, kind ~ '_counted') }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{% endtest %}

{#- One kind's SQL: its counts over `source` (the tested rows), or its failing rows from
    `source` (its counts). -#}
{% macro folded_kind_sql(kind, part, entries, source) %}
    {%- if kind == 'not_null' -%}
        {{ folded_not_null_counts(entries, source) if part == 'counts'
            else folded_not_null_rows(entries, source) }}
    {%- elif kind == 'unique' -%}
        {{ folded_unique_counts(entries, source) if part == 'counts'
            else folded_unique_rows(entries, source) }}
    {%- elif kind == 'accepted_values' -%}
        {{ folded_accepted_values_counts(entries, source) if part == 'counts'
            else folded_accepted_values_rows(entries, source) }}
    {%- else -%}
        {{ folded_relationships_counts(entries, source) if part == 'counts'
            else folded_relationships_rows(entries, source) }}
    {%- endif -%}
{% endmacro %}

{#- Whether the tested model is a view (known at execution; false while parsing). -#}
{% macro folded_test_reads_a_view() -%}
    {%- if not execute or model.resource_type != 'test' -%}
        {%- do return(false) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node or '') or {} -%}
    {%- do return((tested.get('config') or {}).get('materialized') == 'view') -%}
{%- endmacro %}

{#- not_null: one scan counts every column's nulls (one wide row). -#}
{% macro folded_not_null_counts(entries, rows) %}
        select
        {%- for entry in entries %}
            sum(case when {{ folded_test_applies(entry) }}{{ entry.name }} is null then 1 else 0 end)
                as failures_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ rows }}
{% endmacro %}

{% macro folded_not_null_rows(entries, counted) %}
    {{- folded_test_rows(entries, counted, 'is null') }}
{% endmacro %}

{#- accepted_values: dbt counts the distinct values outside the list (a null is accepted). -#}
{% macro folded_accepted_values_counts(entries, rows) %}
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
        from {{ rows }}
{% endmacro %}

{% macro folded_accepted_values_rows(entries, counted) %}
    {{- folded_test_rows(entries, counted, 'is not an accepted value') }}
{% endmacro %}

{#- unique: dbt counts the non-null values that occur more than once (one row per entry). An
    entry with `columns` is a combination of columns, grouped as they are (a value with a null
    column is left out, as a concatenation of them would be null): cheaper than grouping one
    concatenated text, and exact whatever the columns hold.
    Where the engine has a 64-bit hash, only the values whose hash repeats are grouped
    (only_repeated_key_hashes): the count is exact either way. -#}
{% macro folded_unique_counts(entries, rows) %}
        {%- for entry in entries %}
        {%- set columns = entry.get('columns') or [entry.name] %}
        {%- set tested %}
            from {{ rows }}
            where {{ folded_test_applies(entry) }}
                {%- for column in columns %} {{ column }} is not null{{ ' and' if not loop.last }}{% endfor %}
        {%- endset %}
        select
            {{ loop.index }} as entry,
            count(*) as failures
        from (
            select 1 as repeated
            {{ tested }}
            {{ only_repeated_key_hashes(columns, tested) }}
            group by {{ columns | join(', ') }}
            having count(*) > 1
        ) as duplicated_{{ loop.index }}
        {{ 'union all' if not loop.last }}
        {%- endfor %}
{% endmacro %}

{% macro folded_unique_rows(entries, counted) %}
    {{- folded_test_rows(entries, counted, 'is not unique', long=true) }}
{% endmacro %}

{#- relationships: dbt counts the child rows whose non-null value the parent lacks (one row
    per entry); the parent is read whole. -#}
{% macro folded_relationships_counts(entries, rows) %}
        {%- for entry in entries %}
        select
            {{ loop.index }} as entry,
            count(*) as failures
        from (
            select {{ entry.name }} as from_field
            from {{ rows }}
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
{% endmacro %}

{% macro folded_relationships_rows(entries, counted) %}
    {%- set rules = [] %}
    {%- for entry in entries %}
        {%- do rules.append('is not in ' ~ entry.to ~ '.' ~ entry.field) %}
    {%- endfor %}
    {{- folded_test_rows(entries, counted, rules, long=true) }}
{% endmacro %}

{#- A folded test's failures: the sum of its rows' (a bigint, which dbt reads as an integer on
    every engine; PostgreSQL's sum of bigints is numeric). -#}
{% macro folded_test_fail_calc() -%}
    cast(coalesce(sum(failures), 0) as bigint)
{%- endmacro %}

{#- The entries of one kind's list, each a mapping with `name` (a bare name becomes one). -#}
{% macro folded_test_entries(columns) %}
    {%- if columns is string or columns is mapping or not columns -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ': a column_rules kind must be a non-empty list, got ' ~ columns) }}
    {%- endif -%}
    {%- set entries = [] -%}
    {%- for column in columns -%}
        {%- set entry = column if column is mapping else {'name': column} -%}
        {%- if entry.get('columns') and not entry.get('name') -%}
            {%- set entry = dict(entry, name=entry['columns'] | join(', ')) -%}
        {%- endif -%}
        {%- do entries.append(entry) -%}
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

{#- The failing rows of one kind from `counted`: wide (failures_1, failures_2, ... in one row)
    or long (one row per entry, numbered in `entry`). `rule` is one text, or one per entry. -#}
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
