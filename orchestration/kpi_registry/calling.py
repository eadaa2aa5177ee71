"""The calling view: the calling funnel and the call outcomes table (kpi-spec "Calling")."""

from orchestration.kpi_registry.definitions import (
    CAMPAIGNS,
    COUNT,
    MEAN,
    RATE,
    SHARE,
    View,
    kpi,
    ratio,
)

# fmt: off
_CK = "mart_calling_kpis"
CALLING = View(
    "calling", frozenset({CAMPAIGNS}), dated=True,
    kpis=(
        kpi("calls_dialed", "Total calls dialed", COUNT, f"{_CK}.calls_dialed",
            "outbound calls started in range", per_period=True),
        kpi("calls_answered", "Total calls answered", COUNT, f"{_CK}.calls_answered",
            "outbound calls with answered_at set", per_period=True),
        kpi("calls_answered_by_machine", "Calls answered by machine", COUNT,
            f"{_CK}.calls_answered_by_machine", "answered_by machine, published separately",
            per_period=True),
        kpi("conversations", "Conversations (calls)", COUNT, f"{_CK}.conversations",
            "answered outbound calls whose talk time is > conversation_min_seconds",
            per_period=True),
        ratio("response_rate", "Call response rate", RATE, "calls_answered", "calls_dialed",
              "response_rate = calls_answered / calls_dialed", per_period=True),
        kpi("talk_seconds_answered", "Talk seconds (answered)", COUNT,
            f"{_CK}.talk_seconds_answered", "talk time of answered calls whose talk time is known",
            per_period=True, unit="seconds"),
        kpi("calls_with_talk_time", "Answered calls with a known talk time", COUNT,
            f"{_CK}.calls_with_talk_time", "answered outbound calls with ended_at set",
            per_period=True),
        ratio("average_call_seconds", "Average call time", MEAN, "talk_seconds_answered",
              "calls_with_talk_time", "average_call_seconds: mean talk time of answered calls "
              "whose talk time is known", per_period=True, unit="seconds"),
        ratio("conversation_rate", "Conversation rate", RATE, "conversations",
              "calls_answered", "conversation_rate = conversations / calls_answered",
              per_period=True),
        ratio("conversation_rate_dialed", "Conversation rate (prose variant)", RATE,
              "conversations", "calls_dialed", "conversation_rate_dialed = conversations / "
              "calls_dialed", per_period=True),
        kpi("call_leads", "Call leads", COUNT, f"{_CK}.call_leads",
            "leads with channel call created in range", per_period=True),
        kpi("deals_closed", "Deals closed", COUNT, f"{_CK}.deals_closed",
            "deals closed in range whose lead came from a call", per_period=True),
        ratio("call_to_lead_rate", "Call to lead conversion", RATE, "call_leads",
              "calls_dialed", "call_to_lead_rate = call_leads / calls_dialed", per_period=True),
        ratio("lead_to_deal_rate", "Lead to deal conversion", RATE, "deals_closed",
              "call_leads", "lead_to_deal_rate = deals_closed / call_leads (can exceed 1)",
              per_period=True),
        kpi("deals_closed_cohort", "Deals closed from the range's leads", COUNT,
            f"{_CK}.deals_closed_cohort", "deals ever closed from leads created in range",
            per_period=True),
        ratio("lead_to_deal_rate_cohort", "Lead to deal conversion (cohort)", RATE,
              "deals_closed_cohort", "call_leads",
              "lead_to_deal_rate_cohort = deals ever closed from leads created in range / "
              "leads created in range", per_period=True),
    ),
    sections={
        "call_outcomes": (
            kpi("outcome_calls", "Calls by outcome", COUNT, "mart_call_outcomes.outcome_calls",
                "per outcome: calls with that outcome"),
            ratio("outcome_share", "Outcome share", SHARE, "outcome_calls", "outcome_calls",
                  "its share of all calls with an outcome", metric=None),
        ),
    },
)
# fmt: on
