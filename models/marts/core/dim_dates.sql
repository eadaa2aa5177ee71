with accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

calls as (

    select * from {{ ref('stg_platform__calls') }}

),

data_timestamps as (

    select created_at as event_at from accounts
    union all
    select min(created_at) as event_at from messages
    union all
    select max(created_at) as event_at from messages
    union all
    select min(started_at) as event_at from calls
    union all
    select max(started_at) as event_at from calls
    union all
    -- today, so the current billing period always has its days
    select cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as event_at

),

bounds as (

    -- whole calendar years around the data and today; one day of slack each side covers every
    -- local day a UTC timestamp can fall on
    select
        cast({{ dbt.date_trunc('year', dbt.dateadd('day', -1, 'min(event_at)')) }} as date)
            as first_day,
        cast(
            {{ dbt.dateadd(
                'day', -1,
                dbt.dateadd('year', 1, dbt.date_trunc('year', dbt.dateadd('day', 1, 'max(event_at)')))
            ) }} as date
        ) as last_day
    from data_timestamps

),

spine as (

    select {{ day_series('first_day', 'last_day') }} as date_day
    from bounds

),

enriched as (

    select
        date_day,
        -- 2000-01-03 was a Monday: ISO day of week 1 (Monday) .. 7 (Sunday)
        cast(
            mod(mod({{ dbt.datediff("cast('2000-01-03' as date)", 'date_day', 'day') }}, 7) + 7, 7) + 1
            as integer
        ) as day_of_week,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(month from date_day) as integer) as month_of_year,
        cast(extract(day from date_day) as integer) as day_of_month
    from spine

),

final as (

    select
        date_day,
        week_start,
        month_start,
        quarter_start,
        year_start,
        year_number,
        month_of_year,
        day_of_month,
        day_of_week,
        case day_of_week
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            else 'Sunday'
        end as day_of_week_name,
        day_of_week in (6, 7) as is_weekend,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date)
            as month_end,
        cast(
            {{ dbt.datediff('month_start', dbt.dateadd('month', 1, 'month_start'), 'day') }}
            as integer
        ) as days_in_month
    from enriched

)

select * from final
