{#-
    Carrier-block anomalies: per account, each template and each tracking number (the number
    the messages went out from) that sent on the account's last day (its latest local day with
    a sent message), that day's carrier-block rate against its own trailing baseline, the
    `anomaly_baseline_days` (14) local days before it.

    The rule, a one-sided z-test of a binomial proportion: with the baseline rate
    p0 = (baseline blocked + 1) / (baseline sent + 2) (Laplace-smoothed, so a clean baseline is
    a small rate, not zero), the day's blocked count x of n sent scores
    z = (x - n * p0) / sqrt(n * p0 * (1 - p0)). Flagged when n >= anomaly_min_day_messages,
    baseline sent >= anomaly_min_baseline_messages and z >= anomaly_z_threshold (3.0: about a
    0.13 % chance under the baseline rate). Sent = outbound, not canceled; blocked = delivery
    outcome carrier_blocked (kpi-spec "Message status"), the carrier_block_rate's terms.
-#}

{%- set baseline_days = var('anomaly_baseline_days') | int -%}

with

messages as (

    select * from {{ ref('fct_messages') }}
    where is_sms_sent

),

templates as (

    select * from {{ ref('dim_templates') }}

),

phone_numbers as (

    select * from {{ ref('dim_phone_numbers') }}

),

by_dimension as (

    select
        account_id,
        'template' as dimension,
        template_id as dimension_id,
        date_day,
        delivery_outcome
    from messages
    where template_id is not null
    union all
    select
        account_id,
        'tracking_number' as dimension,
        phone_number_id as dimension_id,
        date_day,
        delivery_outcome
    from messages
    where phone_number_id is not null

),

daily as (

    select
        account_id,
        dimension,
        dimension_id,
        date_day,
        count(*) as messages_sent,
        sum(case when delivery_outcome = 'carrier_blocked' then 1 else 0 end)
            as carrier_blocked_messages
    from by_dimension
    group by account_id, dimension, dimension_id, date_day

),

last_days as (

    select
        account_id,
        max(date_day) as last_day
    from messages
    group by account_id

),

day_counts as (

    select
        daily.account_id,
        daily.dimension,
        daily.dimension_id,
        daily.date_day,
        daily.messages_sent,
        daily.carrier_blocked_messages
    from daily
    inner join last_days
        on
            daily.account_id = last_days.account_id
            and daily.date_day = last_days.last_day

),

baseline_counts as (

    select
        daily.account_id,
        daily.dimension,
        daily.dimension_id,
        sum(daily.messages_sent) as baseline_messages_sent,
        sum(daily.carrier_blocked_messages) as baseline_carrier_blocked_messages
    from daily
    inner join last_days
        on
            daily.account_id = last_days.account_id
            and daily.date_day < last_days.last_day
            and daily.date_day
            >= cast({{ dbt.dateadd('day', -baseline_days, 'last_days.last_day') }} as date)
    group by daily.account_id, daily.dimension, daily.dimension_id

),

scored as (

    select
        day_counts.*,
        coalesce(baseline_counts.baseline_messages_sent, 0) as baseline_messages_sent,
        coalesce(baseline_counts.baseline_carrier_blocked_messages, 0)
            as baseline_carrier_blocked_messages,
        cast(coalesce(baseline_counts.baseline_carrier_blocked_messages, 0) + 1 as {{ type_double() }})
        / (coalesce(baseline_counts.baseline_messages_sent, 0) + 2) as expected_rate
    from day_counts
    left join baseline_counts
        on
            day_counts.account_id = baseline_counts.account_id
            and day_counts.dimension = baseline_counts.dimension
            and day_counts.dimension_id = baseline_counts.dimension_id

),

z_scored as (

    select
        *,
        (carrier_blocked_messages - messages_sent * expected_rate)
        / sqrt(messages_sent * expected_rate * (1 - expected_rate)) as z_score
    from scored

),

final as (

    select
        {{ generate_surrogate_key(['z_scored.account_id', 'z_scored.dimension', 'z_scored.dimension_id']) }}
            as anomaly_check_id,
        z_scored.account_id,
        z_scored.dimension,
        z_scored.dimension_id,
        case
            when z_scored.dimension = 'template' then templates.template_name
            else phone_numbers.e164
        end as dimension_name,
        z_scored.date_day,
        cast(z_scored.messages_sent as integer) as messages_sent,
        cast(z_scored.carrier_blocked_messages as integer) as carrier_blocked_messages,
        cast(z_scored.carrier_blocked_messages as {{ type_double() }}) / z_scored.messages_sent
            as carrier_block_rate,
        cast(z_scored.baseline_messages_sent as integer) as baseline_messages_sent,
        cast(z_scored.baseline_carrier_blocked_messages as integer)
            as baseline_carrier_blocked_messages,
        case
            when z_scored.baseline_messages_sent > 0
                then
                    cast(z_scored.baseline_carrier_blocked_messages as {{ type_double() }})
                    / z_scored.baseline_messages_sent
        end as baseline_carrier_block_rate,
        z_scored.expected_rate,
        z_scored.z_score,
        z_scored.messages_sent >= {{ var('anomaly_min_day_messages') }}
        and z_scored.baseline_messages_sent >= {{ var('anomaly_min_baseline_messages') }}
        and z_scored.z_score >= {{ var('anomaly_z_threshold') }} as is_anomaly
    from z_scored
    left join templates
        on z_scored.dimension = 'template' and z_scored.dimension_id = templates.template_id
    left join phone_numbers
        on
            z_scored.dimension = 'tracking_number'
            and z_scored.dimension_id = phone_numbers.phone_number_id

)

select * from final
