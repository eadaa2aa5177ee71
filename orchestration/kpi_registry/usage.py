"""Account views: usage by day, credits by billing period, and text conversations by day."""

from orchestration.kpi_registry.definitions import (
    CONTACT,
    COUNT,
    DISTINCT,
    TRACKER,
    View,
    kpi,
)
from orchestration.kpi_registry.spend import SPEND_BY_CURRENCY

# fmt: off
_AU = "mart_account_usage_daily"
_OPT = "fct_opt_events"
USAGE = View(
    "usage", frozenset(), dated=True,
    kpis=(
        kpi("segments_total", "Total segments", COUNT, f"{_AU}.segments_total",
            "total segments (sent + received)", per_period=True),
        kpi("segments_sent", "Segments sent", COUNT, f"{_AU}.segments_sent",
            "segments, outbound only", per_period=True),
        kpi("segments_received", "Segments received", COUNT, f"{_AU}.segments_received",
            "segments, inbound only", per_period=True),
        kpi("calls_total", "Total calls", COUNT, f"{_AU}.calls_total", "all calls",
            per_period=True),
        kpi("calls_inbound", "Calls received", COUNT, f"{_AU}.calls_inbound", "received calls",
            per_period=True),
        kpi("calls_outbound", "Calls made", COUNT, f"{_AU}.calls_outbound", "made calls",
            per_period=True),
        kpi("calls_forwarded", "Calls forwarded", COUNT, f"{_AU}.calls_forwarded",
            "inbound calls forwarded to another number", per_period=True),
        kpi("new_contacts", "New contacts", COUNT, f"{_AU}.new_contacts", "contacts created",
            per_period=True),
        kpi("opted_in_contacts", "Opted-in contacts", DISTINCT, f"{_OPT}.contact_id",
            "contacts that opted in, in range", per_period=True),
        kpi("opted_out_contacts", "Opted-out contacts (account usage)", DISTINCT,
            f"{_OPT}.contact_id", "contacts that opted out, in range", per_period=True,
            metric="usage_opted_out_contacts"),
        kpi("credits_used", "Credits used (by day)", COUNT, f"{_AU}.credits_used",
            "credits used, in range", per_period=True, unit="credits",
            metric="daily_credits_used"),
    ),
    sections={"spend_by_currency": SPEND_BY_CURRENCY},
)

_CB = "mart_credits_by_billing_period"
CREDITS = View(
    "credits", frozenset(), dated=True,
    kpis=(
        kpi("credits_used", "Credits used", COUNT, f"{_CB}.credits_used",
            "per billing period: credits used", unit="credits"),
        kpi("credit_allowance", "Credit allowance", COUNT, f"{_CB}.credit_allowance",
            "per billing period: the allowance", unit="credits"),
        kpi("credits_remaining", "Credits remaining", COUNT, f"{_CB}.credits_remaining",
            "per billing period: what is left", unit="credits"),
        kpi("credits_projected", "Credits projected", COUNT, f"{_CB}.credits_projected",
            "projected use at period end from the burn rate so far", unit="credits"),
    ),
)

_TC = "fct_text_conversations"
CONVERSATIONS = View(
    "conversations", frozenset({TRACKER, CONTACT}), dated=True,
    kpis=(
        kpi("conversations", "Text conversations", COUNT, f"{_TC}.conversation_id",
            "one contact with one account on one local calendar day", per_period=True,
            metric="text_conversations"),
        kpi("conversation_messages", "Conversation messages", COUNT, f"{_TC}.total_messages",
            "total messages (the day's whole conversation)", per_period=True),
        kpi("conversation_inbound_messages", "Conversation inbound messages", COUNT,
            f"{_TC}.inbound_messages", "inbound counts", per_period=True),
        kpi("conversation_outbound_messages", "Conversation outbound messages", COUNT,
            f"{_TC}.outbound_messages", "outbound counts", per_period=True),
    ),
    sections={
        "frequency_by_hour": (
            kpi("customer_messages", "Customer messages by hour", COUNT,
                "fct_messages.message_id",
                "message frequency by hour of day, customer", metric="hourly_messages"),
            kpi("agent_messages", "Agent messages by hour", COUNT,
                "fct_messages.message_id", "message frequency by hour of day, agent",
                metric="hourly_messages"),
        ),
    },
)
# fmt: on
