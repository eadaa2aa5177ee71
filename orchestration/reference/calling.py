"""The calling view (kpi-spec "Calling"): headline KPIs, rows per period, call outcomes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from orchestration.reference.facts import CONVERSATION_MIN_SECONDS, World
from orchestration.reference.scope import Scope, rate

COUNTS = (
    "calls_dialed", "calls_answered", "calls_answered_by_machine", "conversations",
    "talk_seconds_answered", "calls_with_talk_time", "call_leads", "deals_closed",
    "deals_closed_cohort",
)  # fmt: skip


def _lead_campaign(w: World, lead) -> str | None:
    call = w.calls.get(lead["call_id"]) if lead["call_id"] else None
    return lead["campaign_id"] or (call and call["campaign_id"])


def call_counts(w: World, s: Scope) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(COUNTS, 0)
    out["talk_seconds_answered"] = 0.0
    for c in w.select("calls", s.account_ids, s.days):
        if c["direction"] != "outbound" or c["is_leg"]:
            continue
        if not s.campaign_chosen(c["campaign_id"]):
            continue
        out["calls_dialed"] += 1  # outbound calls started in range
        if c["answered_at"] is None:
            continue
        out["calls_answered"] += 1  # answered_at set; machines count and are published apart
        out["calls_answered_by_machine"] += c["answered_by"] == "machine"
        if c["talk_seconds"] is not None:
            # average_call_seconds: mean over answered calls whose talk time is known.
            out["talk_seconds_answered"] += c["talk_seconds"]
            out["calls_with_talk_time"] += 1
            out["conversations"] += c["talk_seconds"] > CONVERSATION_MIN_SECONDS
    call_leads = {
        lead["lead_id"]
        for lead in w.select("leads", s.account_ids)
        if lead["channel"] == "call" and s.campaign_chosen(_lead_campaign(w, lead))
    }
    out["call_leads"] = sum(s.dated(w.leads[i]["day"]) for i in call_leads)
    for lead_id in call_leads:
        for d in w.deals_by_lead.get(lead_id, ()):
            # deals_closed: closed in range, lead from a call; cohort: leads created in range.
            out["deals_closed"] += bool(s.owns(d) and s.dated(d["day"]))
            out["deals_closed_cohort"] += s.dated(w.leads[d["lead_id"]]["day"])
    return out


def call_rates(c: dict[str, Any]) -> dict[str, Any]:
    c["response_rate"] = rate(c["calls_answered"], c["calls_dialed"])
    c["average_call_seconds"] = rate(c["talk_seconds_answered"], c["calls_with_talk_time"])
    c["conversation_rate"] = rate(c["conversations"], c["calls_answered"])
    c["conversation_rate_dialed"] = rate(c["conversations"], c["calls_dialed"])
    c["call_to_lead_rate"] = rate(c["call_leads"], c["calls_dialed"])
    c["lead_to_deal_rate"] = rate(c["deals_closed"], c["call_leads"])
    c["lead_to_deal_rate_cohort"] = rate(c["deals_closed_cohort"], c["call_leads"])
    return c


def call_outcomes(w: World, s: Scope) -> list[dict[str, Any]]:
    """Per outcome: calls with that outcome and its share of all calls with an outcome."""
    calls: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for c in w.select("calls", s.account_ids, s.days):
        if c["outcome_key"] is None or c["is_leg"]:
            continue
        if s.campaign_chosen(c["campaign_id"]):
            calls[c["outcome_key"]] += 1
            labels[c["outcome_key"]] = c["outcome_label"]
    total = sum(calls.values())
    rows = [
        {"outcome": k, "outcome_label": labels[k], "outcome_calls": n, "outcome_share": n / total}
        for k, n in calls.items()
    ]
    return sorted(rows, key=lambda r: (-r["outcome_calls"], r["outcome"]))


def calling(w: World, s: Scope):
    kpis = call_rates(call_counts(w, s))
    days = {c["day"] for c in w.select("calls", s.account_ids, s.days) if not c["is_leg"]}
    days |= {x["day"] for e in ("leads", "deals") for x in w.select(e, s.account_ids, s.days)}
    rows = []
    for start in sorted({s.period(d) for d in days}):
        counts = call_counts(w, s.in_period(start))
        if any(counts.values()):  # a period with outbound calls, call leads or their deals
            rows.append({"period_start": start, **call_rates(counts)})
    return kpis, rows, {"call_outcomes": call_outcomes(w, s)}
