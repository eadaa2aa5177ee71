{#
    Median response time per account and local day (kpi-spec "Median response time").
    A median does not add up: the median of a multi-day range is NOT derived from these daily
    rows. For any range use fct_responses:
        select median(response_seconds) from fct_responses
        where is_answered and account_id = :account and date_day between :from and :to
    This mart is the one-day view (and the tested use of the median macro).
#}

with

responses as (

    select * from {{ ref('fct_responses') }}

),

daily as (

    select
        account_id,
        date_day,
        sum(case when is_answered then 1 else 0 end) as responses_measured,
        sum(case when is_answered then 0 else 1 end) as unanswered_streaks,
        {{ median('case when is_answered then response_seconds end') }} as median_response_seconds
    from responses
    group by account_id, date_day

),

final as (

    select
        account_id,
        date_day,
        cast(responses_measured as bigint) as responses_measured,
        cast(unanswered_streaks as bigint) as unanswered_streaks,
        median_response_seconds
    from daily

)

select * from final
