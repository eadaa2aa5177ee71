-- to_local_timestamp across the 2026-11-01 fall-back in America/Chicago: 06:30Z is 01:30 CDT and
-- 07:30Z is 01:30 CST (the same wall-clock time twice); 2026-03-08 spring-forward: 07:59Z is
-- 01:59 CST and 08:00Z is 03:00 CDT. Returns the cases that come out wrong, or one row when the
-- zone is missing from the time zone seed (the test reads its zone there, so Dagster reports it
-- as a check on that seed, as the test of every zone is).
with

chicago as (

    select time_zone from {{ ref('iana_time_zones') }}
    where time_zone = 'America/Chicago'

),

cases as (

    select
        cast('2026-11-01 06:30:00' as {{ dbt.type_timestamp() }}) as utc_at,
        cast('2026-11-01 01:30:00' as {{ dbt.type_timestamp() }}) as expected_local_at
    union all
    select
        cast('2026-11-01 07:30:00' as {{ dbt.type_timestamp() }}) as utc_at,
        cast('2026-11-01 01:30:00' as {{ dbt.type_timestamp() }}) as expected_local_at
    union all
    select
        cast('2026-03-08 07:59:00' as {{ dbt.type_timestamp() }}) as utc_at,
        cast('2026-03-08 01:59:00' as {{ dbt.type_timestamp() }}) as expected_local_at
    union all
    select
        cast('2026-03-08 08:00:00' as {{ dbt.type_timestamp() }}) as utc_at,
        cast('2026-03-08 03:00:00' as {{ dbt.type_timestamp() }}) as expected_local_at

),

converted as (

    select
        cases.utc_at,
        cases.expected_local_at,
        {{ to_local_timestamp('cases.utc_at', 'chicago.time_zone') }} as local_at
    from cases
    cross join chicago

)

select
    utc_at,
    expected_local_at,
    local_at
from converted
where local_at is null or local_at <> expected_local_at
union all
select
    null as utc_at,
    null as expected_local_at,
    null as local_at
where not exists (select 1 as found from chicago)
