{#- The calling counts and the rates made from them, in the order the calling marts publish
    them; a rate is null when its denominator is 0 (kpi-spec ground rule 3). Rates are
    doubles on every engine (PostgreSQL would keep `* 1.0 /` as numeric). Shared by the
    per-account mart and its roll-up so both compute every rate the same way. -#}
{% macro calling_kpi_columns() -%}
        calls_dialed,
        calls_answered,
        calls_answered_by_machine,
        conversations,
        calls_with_talk_time,
        talk_seconds_answered,
        cast(case
            when calls_dialed > 0 then calls_answered * 1.0 / calls_dialed
        end as {{ type_double() }}) as response_rate,
        cast(case
            when calls_with_talk_time > 0 then talk_seconds_answered * 1.0 / calls_with_talk_time
        end as {{ type_double() }}) as average_call_seconds,
        cast(case
            when calls_answered > 0 then conversations * 1.0 / calls_answered
        end as {{ type_double() }}) as conversation_rate,
        cast(case
            when calls_dialed > 0 then conversations * 1.0 / calls_dialed
        end as {{ type_double() }}) as conversation_rate_dialed,
        call_leads,
        deals_closed,
        deals_closed_cohort,
        cast(case
            when calls_dialed > 0 then call_leads * 1.0 / calls_dialed
        end as {{ type_double() }}) as call_to_lead_rate,
        cast(case
            when call_leads > 0 then deals_closed * 1.0 / call_leads
        end as {{ type_double() }}) as lead_to_deal_rate,
        cast(case
            when call_leads > 0 then deals_closed_cohort * 1.0 / call_leads
        end as {{ type_double() }}) as lead_to_deal_rate_cohort
{%- endmacro %}
