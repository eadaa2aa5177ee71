{#- The calling counts and the rates made from them, in the order the calling marts publish
    them; a rate is null when its denominator is 0 (kpi-spec ground rule 3). Rates divide a
    double by the count on every engine: `* 1.0 /` is numeric on PostgreSQL and decimal on
    Spark, whose rounding then differed from DuckDB's in the last digit (2/3 ended in 7 on
    Spark and the roll-up unit test failed there). Shared by the
    per-account mart and its roll-up so both compute every rate the same way. -#}
{% macro calling_kpi_columns() -%}
        calls_dialed,
        calls_answered,
        calls_answered_by_machine,
        conversations,
        calls_with_talk_time,
        talk_seconds_answered,
        cast(case
            when calls_dialed > 0 then cast(calls_answered as {{ type_double() }}) / calls_dialed
        end as {{ type_double() }}) as response_rate,
        cast(case
            when calls_with_talk_time > 0 then cast(talk_seconds_answered as {{ type_double() }}) / calls_with_talk_time
        end as {{ type_double() }}) as average_call_seconds,
        cast(case
            when calls_answered > 0 then cast(conversations as {{ type_double() }}) / calls_answered
        end as {{ type_double() }}) as conversation_rate,
        cast(case
            when calls_dialed > 0 then cast(conversations as {{ type_double() }}) / calls_dialed
        end as {{ type_double() }}) as conversation_rate_dialed,
        call_leads,
        deals_closed,
        deals_closed_cohort,
        cast(case
            when calls_dialed > 0 then cast(call_leads as {{ type_double() }}) / calls_dialed
        end as {{ type_double() }}) as call_to_lead_rate,
        cast(case
            when call_leads > 0 then cast(deals_closed as {{ type_double() }}) / call_leads
        end as {{ type_double() }}) as lead_to_deal_rate,
        cast(case
            when call_leads > 0 then cast(deals_closed_cohort as {{ type_double() }}) / call_leads
        end as {{ type_double() }}) as lead_to_deal_rate_cohort
{%- endmacro %}
