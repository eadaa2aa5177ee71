-- MetricFlow time spine: one row per calendar day, taken from dim_dates (which covers whole
-- years around the data and today), so the spine is portable and never shorter than the marts.
with dates as (

    select * from {{ ref('dim_dates') }}

),

final as (

    select date_day
    from dates

)

select * from final
