-- depends_on: {{ ref('mart_campaign_rates') }}
{{ config(meta={'dagster': {'ref': {'name': 'mart_campaign_rates'}}}) }}
-- The Wilson score bounds (macros/stats/wilson_interval.sql) against the published worked
-- examples of Newcombe, R. G. (1998), "Two-sided confidence intervals for the single
-- proportion: comparison of seven methods", Statistics in Medicine 17:857-872, Table I,
-- method 3 (score interval without continuity correction), given there to 4 decimals:
-- 81/263 -> 0.2553, 0.3662; 15/148 -> 0.0624, 0.1605; 0/20 -> 0.0000, 0.1611;
-- 1/29 -> 0.0061, 0.1718. The 0/20 upper bound is also the closed form z^2 / (n + z^2) =
-- 3.8415 / 23.8415 = 0.16113. No trials: both bounds null. Returns the cases that come out
-- wrong (more than half a unit of the 4th decimal away).
with

cases as (

    select
        81 as successes,
        263 as trials,
        0.2553 as expected_lower,
        0.3662 as expected_upper
    union all
    select
        15 as successes,
        148 as trials,
        0.0624 as expected_lower,
        0.1605 as expected_upper
    union all
    select
        0 as successes,
        20 as trials,
        0.0000 as expected_lower,
        0.1611 as expected_upper
    union all
    select
        1 as successes,
        29 as trials,
        0.0061 as expected_lower,
        0.1718 as expected_upper
    union all
    select
        0 as successes,
        0 as trials,
        null as expected_lower,
        null as expected_upper

),

bounded as (

    select
        successes,
        trials,
        expected_lower,
        expected_upper,
        {{ wilson_lower('successes', 'trials') }} as wilson_lower,
        {{ wilson_upper('successes', 'trials') }} as wilson_upper
    from cases

)

select *
from bounded
where
    case
        when trials = 0 then wilson_lower is not null or wilson_upper is not null
        else
            wilson_lower is null
            or wilson_upper is null
            or abs(wilson_lower - expected_lower) > 0.00005
            or abs(wilson_upper - expected_upper) > 0.00005
    end
