{#- The calling counts and the rates made from them, in the order the calling marts publish
    them; a rate is null when its denominator is 0 (kpi-spec ground rule 3). Shared by the
    per-account mart and its roll-up so both compute every rate the same way. -#}
{% macro calling_kpi_columns() -%}
        calls_dialed,
        calls_answered,
        calls_answered_by_machine,
        conversations,
        calls_with_talk_time,
        talk_seconds_answered,
        case
            when calls_dialed > 0 then calls_answered * 1.0 / calls_dialed
        end as response_rate,
        case
            when calls_with_talk_time > 0 then talk_seconds_answered * 1.0 / calls_with_talk_time
        end as average_call_seconds,
        case
            when calls_answered > 0 then conversations * 1.0 / calls_answered
        end as conversation_rate,
        case
            when calls_dialed > 0 then conversations * 1.0 / calls_dialed
        end as conversation_rate_dialed,
        call_leads,
        deals_closed,
        deals_closed_cohort,
        case
            when calls_dialed > 0 then call_leads * 1.0 / calls_dialed
        end as call_to_lead_rate,
        case
            when call_leads > 0 then deals_closed * 1.0 / call_leads
        end as lead_to_deal_rate,
        case
            when call_leads > 0 then deals_closed_cohort * 1.0 / call_leads
        end as lead_to_deal_rate_cohort
{%- endmacro %}
