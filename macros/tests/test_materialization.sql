{#-
    dbt's test materialization (dbt-adapters' global `test`, unchanged) plus one step: when a
    folded column test (macros/tests/folded_column_tests.sql) finds failures, its failing rows
    (one per column) are logged, so the failure names the columns and their counts and not only
    the total dbt reports ("Got 3 results"). A passing test runs one query, as before; a failing
    one a second, small one. The line reads

        folded test failures: <test> on <model>: <column> <rule>: <count>; ...

    and the refresh puts it on the Dagster asset check (orchestration/dbt/folded_tests.py).
-#}
{%- materialization test, default -%}

  {% set relations = [] %}
  {% set limit = config.get('limit') %}
  {% set sql_header = config.get('sql_header') if flags.REQUIRE_SQL_HEADER_IN_TEST_CONFIGS else none %}

  {% set sql_with_limit %}
    {{ get_limit_subquery_sql(sql, limit) }}
  {% endset %}

  {% if should_store_failures() %}

    {% set identifier = model['alias'] %}
    {% set old_relation = adapter.get_relation(database=database, schema=schema, identifier=identifier) %}

    {% set store_failures_as = config.get('store_failures_as') %}
    {% if store_failures_as == none %}{% set store_failures_as = 'table' %}{% endif %}
    {% if store_failures_as not in ['table', 'view'] %}
        {{ exceptions.raise_compiler_error(
            "'" ~ store_failures_as ~ "' is not a valid value for `store_failures_as`. "
            "Accepted values are: ['ephemeral', 'table', 'view']"
        ) }}
    {% endif %}

    {% set target_relation = api.Relation.create(
        identifier=identifier, schema=schema, database=database, type=store_failures_as) -%} %}

    {% if old_relation %}
        {% do adapter.drop_relation(old_relation) %}
    {% endif %}

    {% call statement(auto_begin=True) %}
        {% if sql_header %}{{ sql_header }}{% endif %}
        {{ get_create_sql(target_relation, sql_with_limit) }}
    {% endcall %}

    {% do relations.append(target_relation) %}

    {% set main_sql %}
        select *
        from {{ target_relation }}
    {% endset %}

    {{ adapter.commit() }}

  {% else %}

      {% set main_sql = sql_with_limit %}

  {% endif %}

  {% set fail_calc = config.get('fail_calc') %}
  {% set warn_if = config.get('warn_if') %}
  {% set error_if = config.get('error_if') %}

  {% call statement('main', fetch_result=True) -%}

    {% if sql_header %}{{ sql_header }}{% endif %}
    {{ get_test_sql(main_sql, fail_calc, warn_if, error_if, limit=none)}}

  {%- endcall %}

  {% do log_folded_test_failures(main_sql) %}

  {{ return({'relations': relations}) }}

{%- endmaterialization -%}

{#- The name of the folded column test (read here, by get_where_subquery.sql and by
    orchestration/dbt/folded_tests.py). -#}
{% macro folded_test_names() -%}
    {%- do return(['column_rules']) -%}
{%- endmacro %}

{#- The tests whose failing rows are logged: the folded column test and the folded totals
    (macros/stats/test_totals_match.sql), which return rows of the same shape; only the column
    test's rules are scoped to a refresh's new rows. -#}
{% macro logged_test_names() -%}
    {%- do return(folded_test_names() + ['totals_match']) -%}
{%- endmacro %}

{% macro log_folded_test_failures(main_sql) %}
    {%- if (model.test_metadata or {}).get('name') not in logged_test_names() -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set failures = load_result('main')['table'].columns['failures'].values()[0] -%}
    {%- if not failures -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set failing = run_query(
        'select column_name, rule, failures from (' ~ main_sql ~ ') as failing order by column_name') -%}
    {%- set parts = [] -%}
    {%- for row in failing.rows -%}
        {%- do parts.append(row[0] ~ ' ' ~ row[1] ~ ': ' ~ (row[2] | int)) -%}
    {%- endfor -%}
    {#- a source's test has no attached node: its source and table ("platform._load_ledger") -#}
    {%- set tested = (model.attached_node or model.depends_on.nodes[0]).split('.')[2:] | join('.') -%}
    {%- do log('folded test failures: ' ~ model.name ~ ' on ' ~ tested
        ~ ': ' ~ parts | join('; '), info=true) -%}
{% endmacro %}
