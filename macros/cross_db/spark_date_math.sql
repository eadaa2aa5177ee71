{#-
    dbt's dateadd and datediff on Spark, shorter. dbt-spark writes each as a long expression
    that repeats its argument several times (to keep the clock time and to assert non-null), so
    a nested call grows geometrically: dim_dates compiled to 66 kB and Spark spent over a minute
    planning it. Spark's own functions say the same in a few words:
    - dateadd: timestampadd(unit, n, x), which clamps to the month's end as DuckDB's and
      PostgreSQL's `+ interval` do (Jan 31 + 1 month = Feb 28/29) and keeps the clock time;
    - datediff in days: datediff(end, start) of the two dates, the number of midnights crossed,
      as dbt's datediff counts on DuckDB and PostgreSQL. The project counts no other unit on
      Spark (durations go through seconds_between); another unit stops the compile here rather
      than count whole elapsed units where DuckDB counts boundaries.
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart | lower == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "datediff in '" ~ datepart ~ "' has no Spark version in this project (only 'day')"
        ) }}
    {%- endif -%}
{%- endmacro %}
