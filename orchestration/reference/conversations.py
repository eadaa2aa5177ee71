"""Text conversations (kpi-spec "Text conversations (CallRail-style)"): one contact with one
account on one local calendar day."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from orchestration.reference.facts import World
from orchestration.reference.scope import Scope


def _utc_naive(ts):
    return ts.replace(tzinfo=None)  # the API reads timestamps in UTC without an offset


def conversations(w: World, s: Scope):
    days: dict[tuple, list[dict]] = defaultdict(list)  # (account, contact, day) -> messages
    latest_number: dict[tuple, str] = {}  # (account, contact) -> number most recently used
    for account_id, contact_id in w.contact_keys(s.account_ids):  # the scope's conversations
        for m in w.by_contact[(account_id, contact_id)]:  # canceled ones excluded
            days[(account_id, contact_id, m["day"])].append(m)
            if m["phone_number_id"]:
                latest_number[(account_id, contact_id)] = m["phone_number_id"]
    selected = {
        key: messages
        for key, messages in days.items()
        if s.dated(key[2])
        and (s.tracker is None or any(m["phone_number_id"] == s.tracker for m in messages))
        and (s.contact_id is None or key[1] == s.contact_id)
    }
    rows = []
    for (account_id, contact_id, day), messages in selected.items():
        inbound = sum(m["direction"] == "inbound" for m in messages)
        numbers = [m["phone_number_id"] for m in messages if m["phone_number_id"]]
        # "number name": the number most recently used with the contact, as of the latest
        # data, the same on every one of the contact's rows whatever the filters.
        number = latest_number.get((account_id, contact_id))
        rows.append({
            "account_id": account_id, "contact_id": contact_id, "date_day": day,
            "first_message_at": _utc_naive(messages[0]["created_at"]),
            "last_message_at": _utc_naive(messages[-1]["created_at"]),
            "inbound_messages": inbound, "outbound_messages": len(messages) - inbound,
            "total_messages": len(messages),
            "last_phone_number_id": numbers[-1] if numbers else None,
            "number_name_phone_number_id": number,
            "number_name": w.phone_numbers[number]["friendly_name"]
            if number in w.phone_numbers else None,
            "phone_numbers_used": len(set(numbers)),
        })  # fmt: skip
    kpis = _totals(rows)
    periods = defaultdict(list)
    for row in rows:
        periods[s.period(row["date_day"])].append(row)
    volume = [{"period_start": p, **_totals(v)} for p, v in sorted(periods.items())]
    hours = {h: {"hour_of_day": h, "customer_messages": 0, "agent_messages": 0} for h in range(24)}
    for messages in selected.values():
        for m in messages:
            side = "customer_messages" if m["direction"] == "inbound" else "agent_messages"
            hours[m["hour"]][side] += 1
    return kpis, rows, {"volume": volume, "frequency_by_hour": list(hours.values())}


def _totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "conversations": len(rows),
        "conversation_messages": sum(r["total_messages"] for r in rows),
        "conversation_inbound_messages": sum(r["inbound_messages"] for r in rows),
        "conversation_outbound_messages": sum(r["outbound_messages"] for r in rows),
    }
