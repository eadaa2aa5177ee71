"""The delivery-status breakdown (issue 13: "messages per final status and per error code per
account and day ... with the error code's meaning from the seed table"), from the staged
messages and their delivery events (final status, error code and outcome as
facts.World._message_facts derives them from kpi-spec "Message status").

Every outbound message created in range counts once, under its final status (canceled
included; no event at all: status None, outcome pending). Filters: campaigns, templates (the
message's own), one tracking number (the number the message went through).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from orchestration.reference.facts import World
from orchestration.reference.scope import Scope, rate


def _selected(w: World, s: Scope) -> list[dict[str, Any]]:
    return [
        m
        for m in w.select("messages", s.account_ids, s.days)
        if m["direction"] == "outbound"
        and s.campaign_chosen(m["campaign_id"])
        and s.template_chosen(m["template_id"])
        and (s.tracker is None or m["phone_number_id"] == s.tracker)
    ]


def _counts(messages: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "outbound_messages": len(messages),
        "error_code_messages": sum(m["final_error_code"] is not None for m in messages),
        "carrier_blocked_outbound_messages": sum(
            m["outcome"] == "carrier_blocked" for m in messages
        ),
    }


def _shares(rows: list[dict[str, Any]], key: str, share: str) -> list[dict[str, Any]]:
    total = sum(r[key] for r in rows)
    for r in rows:
        r[share] = rate(r[key], total)
    return rows


def delivery_status(w: World, s: Scope):
    messages = _selected(w, s)
    by_period = defaultdict(list)
    for m in messages:
        by_period[s.period(m["day"])].append(m)
    rows = [{"period_start": p, **_counts(by_period[p])} for p in sorted(by_period)]
    statuses = Counter(m["final_status"] for m in messages)
    by_status = [{"final_status": k, "status_messages": n} for k, n in statuses.items()]
    codes = Counter(
        (m["final_error_code"], m["outcome"]) for m in messages if m["final_error_code"] is not None
    )
    by_error_code = [
        {
            "error_code": code,
            "delivery_outcome": outcome,
            "error_description": w.codes.error_description.get(code),
            "error_code_messages": n,
        }
        for (code, outcome), n in codes.items()
    ]
    sections = {
        "by_status": _shares(by_status, "status_messages", "status_share"),
        "by_error_code": _shares(by_error_code, "error_code_messages", "error_code_share"),
    }
    return _counts(messages), rows, sections
