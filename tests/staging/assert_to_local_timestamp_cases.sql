-- to_local_timestamp on cases worked by hand from tzdata, one row per (zone, UTC instant):
-- * America/Chicago across the 2026-11-01 fall-back: 06:30Z is 01:30 CDT and 07:30Z is 01:30 CST
--   (the same wall-clock time twice); across the 2026-03-08 spring-forward: 07:59Z is 01:59 CST
--   and 08:00Z is 03:00 CDT.
-- * The two zones of the seed that Java's zone database (Spark's) lacks: ROC is a link to
--   Asia/Taipei (+08 all year); America/Coyhaique followed Chile's rules (-04 in the southern
--   winter, -03 in summer) until 2025-03-20 and is -03 all year since (in 2025-07 Santiago is at
--   -04, Coyhaique at -03).
-- Returns the cases that come out wrong, and one row per zone missing from the time zone seed
-- (the test reads its zones there, so Dagster reports it as a check on that seed).
{%- set cases = [
    ('America/Chicago', '2026-11-01 06:30:00', '2026-11-01 01:30:00'),
    ('America/Chicago', '2026-11-01 07:30:00', '2026-11-01 01:30:00'),
    ('America/Chicago', '2026-03-08 07:59:00', '2026-03-08 01:59:00'),
    ('America/Chicago', '2026-03-08 08:00:00', '2026-03-08 03:00:00'),
    ('ROC', '2026-07-01 12:00:00', '2026-07-01 20:00:00'),
    ('America/Coyhaique', '2024-07-01 12:00:00', '2024-07-01 08:00:00'),
    ('America/Coyhaique', '2025-01-15 12:00:00', '2025-01-15 09:00:00'),
    ('America/Coyhaique', '2025-07-01 12:00:00', '2025-07-01 09:00:00'),
] %}

with

cases as (

    {%- for time_zone, utc_at, expected_local_at in cases %}
        select
            '{{ time_zone }}' as time_zone,
            cast('{{ utc_at }}' as {{ dbt.type_timestamp() }}) as utc_at,
            cast('{{ expected_local_at }}' as {{ dbt.type_timestamp() }}) as expected_local_at
        {{ 'union all' if not loop.last }}  -- noqa: LT02
    {%- endfor %}

),

zones as (

    select time_zone from {{ ref('iana_time_zones') }}
    where time_zone in (select cases.time_zone from cases)

),

converted as (

    select
        cases.time_zone,
        cases.utc_at,
        cases.expected_local_at,
        {{ to_local_timestamp('cases.utc_at', 'zones.time_zone') }} as local_at
    from cases
    inner join zones on cases.time_zone = zones.time_zone

)

select
    time_zone,
    utc_at,
    expected_local_at,
    local_at
from converted
where local_at is null or local_at <> expected_local_at
union all
select
    cases.time_zone,
    null as utc_at,
    null as expected_local_at,
    null as local_at
from cases
where not exists (
        select 1 as found from zones
        where zones.time_zone = cases.time_zone
    )
group by cases.time_zone
