{#
    Fan-out / loss guard: an aggregate over the tested model equals an aggregate over another
    model, e.g. sum(messages) over an hourly mart = count(*) of the messages it was built from.
    Every comparison of one model is one entry of `totals`, all in one test node, as the column
    rules are folded (macros/tests/folded_column_tests.sql): dbt spends a fixed cost on every
    test node, and a model had up to four of these.

    An entry: `expression` over the tested model (`where`: only the rows it applies to),
    `compare_to` (the other model's name), `compare_expression` over it (`compare_where`: its
    rows). Nulls compare as equal. A side with no rows totals 0 whatever the aggregate (sum()
    over no rows is null, count(*) is 0), so an empty model matches an empty source: a landing
    with no messaging yet is normal. A side that has rows keeps its aggregate's value, null
    included.

    Returns one row per comparison that fails, in the folded tests' shape (column_name, rule,
    failures = 1: the one row a single comparison's test returned): column_name names the
    expression and rule the other side and both totals; the test materialization logs them
    (macros/tests/test_materialization.sql), so a failure names the comparison and not only
    the count: `sum(replies) = 10, not count(*) of fct_enrollments where has_replied = 12: 1`.
    Unlike the column rules, every comparison reads every row (not scoped to a refresh's new
    rows: macros/tests/get_where_subquery.sql).
#}
{% test totals_match(model, totals) %}
    {{ config(fail_calc=folded_test_fail_calc()) }}
    {%- if totals is string or totals is mapping or not totals %}
        {{ exceptions.raise_compiler_error(
            'totals_match on ' ~ model ~ ': totals must be a non-empty list, got ' ~ totals) }}
    {%- endif %}
    with
    {%- for entry in totals %}
    {%- set compare_model = ref(entry.compare_to) %}

    model_total_{{ loop.index }} as (

        select case when count(*) = 0 then 0 else {{ entry.expression }} end as total
        from {{ model }}
        where {{ entry.get('where', '1 = 1') }}

    ),

    compare_total_{{ loop.index }} as (

        select case when count(*) = 0 then 0 else {{ entry.compare_expression }} end as total
        from {{ compare_model }}
        where {{ entry.get('compare_where', '1 = 1') }}

    ){{ ',' if not loop.last }}
    {%- endfor %}

    {%- for entry in totals %}
    {%- set column_name = entry.expression ~ (' where ' ~ entry.where if entry.get('where') else '') %}
    {%- set other = entry.compare_expression ~ ' of ' ~ entry.compare_to
        ~ (' where ' ~ entry.compare_where if entry.get('compare_where') else '') %}

    select
        {{ folded_test_literal(column_name) }} as column_name,
        {{ dbt.concat([
            "'= '", totals_match_text('model_total.total'),
            folded_test_literal(', not ' ~ other ~ ' = '), totals_match_text('compare_total.total'),
        ]) }} as rule,
        1 as failures
    from model_total_{{ loop.index }} as model_total
    cross join compare_total_{{ loop.index }} as compare_total
    where
        model_total.total <> compare_total.total
        or (model_total.total is null and compare_total.total is not null)
        or (model_total.total is not null and compare_total.total is null)
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{% endtest %}

{#- A total as text for the failure's rule ('null' when null). -#}
{% macro totals_match_text(total) -%}
    coalesce(cast({{ total }} as {{ dbt.type_string() }}), 'null')
{%- endmacro %}
