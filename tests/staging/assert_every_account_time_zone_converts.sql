-- Every zone of the iana_time_zones seed must be usable by to_local_timestamp on this engine,
-- otherwise an account would pass staging and break local-day reporting later.
with

time_zones as (

    select time_zone from {{ ref('iana_time_zones') }}

),

converted as (

    select
        time_zone,
        {{ to_local_timestamp("cast('2026-07-01 12:00:00' as " ~ dbt.type_timestamp() ~ ")", 'time_zone') }}
            as local_at
    from time_zones

)

select * from converted
where local_at is null
