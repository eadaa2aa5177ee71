{#
    Fan-out / loss guard: an aggregate over the tested model equals an aggregate over another
    model, e.g. sum(messages) over an hourly mart = count(*) of the messages it was built from.
    Fails with one row showing both totals when they differ (nulls compare as equal).
    A side with no rows totals 0 whatever the aggregate (sum() over no rows is null, count(*)
    is 0), so an empty model matches an empty source: a landing with no messaging yet is
    normal. A side that has rows keeps its aggregate's value, null included.
    Filter the tested model with the standard test config `where:`; filter the other side
    with compare_where.
#}
{% test totals_match(model, expression, compare_model, compare_expression, compare_where='1 = 1') %}

with

model_total as (

    select case when count(*) = 0 then 0 else {{ expression }} end as total
    from {{ model }}

),

compare_total as (

    select case when count(*) = 0 then 0 else {{ compare_expression }} end as total
    from {{ compare_model }}
    where {{ compare_where }}

),

final as (

    select
        model_total.total as model_total,
        compare_total.total as compare_total
    from model_total
    cross join compare_total
    where
        model_total.total <> compare_total.total
        or (model_total.total is null and compare_total.total is not null)
        or (model_total.total is not null and compare_total.total is null)

)

select * from final

{% endtest %}
