"""Text conversations (kpi-spec "Text conversations (CallRail-style)"): one contact with one
account on one local calendar day."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from orchestration.reference.facts import World
from orchestration.reference.scope import Scope


def _utc_naive(ts):
    return ts.replace(tzinfo=None)  # the API reads timestamps in UTC without an offset


def _conversation_days(w: World) -> dict[str, list[tuple[list[dict], dict]]]:
    """Per account, each conversation (contact x local day) as (messages, row), built
    once per world: a row does not depend on the request (the number name is as of the latest
    data). Canceled messages are no part of a conversation (``by_contact`` leaves them out)."""
    out: dict[str, list[tuple[list[dict], dict]]] = defaultdict(list)
    for account_id, contact_id in w.by_contact:
        days: dict[object, list[dict]] = defaultdict(list)
        number = None  # the number most recently used with the contact
        for m in w.by_contact[(account_id, contact_id)]:
            days[m["day"]].append(m)
            number = m["phone_number_id"] or number
        for messages in days.values():
            out[account_id].append((messages, _row(w, messages, number)))
    return out


def _row(w: World, messages: list[dict], number: str | None) -> dict[str, Any]:
    first = messages[0]
    inbound = sum(m["direction"] == "inbound" for m in messages)
    numbers = [m["phone_number_id"] for m in messages if m["phone_number_id"]]
    return {
        "account_id": first["account_id"], "contact_id": first["contact_id"],
        "date_day": first["day"],
        "first_message_at": _utc_naive(first["created_at"]),
        "last_message_at": _utc_naive(messages[-1]["created_at"]),
        "inbound_messages": inbound, "outbound_messages": len(messages) - inbound,
        "total_messages": len(messages),
        "last_phone_number_id": numbers[-1] if numbers else None,
        # "number name": the number most recently used with the contact, as of the latest
        # data, the same on every one of the contact's rows whatever the filters.
        "number_name_phone_number_id": number,
        "number_name": w.phone_numbers[number]["friendly_name"]
        if number in w.phone_numbers else None,
        "phone_numbers_used": len(set(numbers)),
    }  # fmt: skip


def conversations(w: World, s: Scope):
    if "_conversation_days" not in w.__dict__:
        w._conversation_days = _conversation_days(w)
    selected = [  # the scope's conversations on days in range, through the filters (the
        # rows are shared by the requests: nothing below changes them, jsonable copies them)
        (messages, row)
        for account_id in dict.fromkeys(s.account_ids)
        for messages, row in _in_range(w, account_id, s)
        if (s.tracker is None or any(m["phone_number_id"] == s.tracker for m in messages))
        and (s.contact_id is None or row["contact_id"] == s.contact_id)
    ]
    rows = [row for _, row in selected]
    kpis = _totals(rows)
    periods = defaultdict(list)
    for row in rows:
        periods[s.period(row["date_day"])].append(row)
    volume = [{"period_start": p, **_totals(v)} for p, v in sorted(periods.items())]
    hours = {h: {"hour_of_day": h, "customer_messages": 0, "agent_messages": 0} for h in range(24)}
    for messages, _ in selected:
        for m in messages:
            side = "customer_messages" if m["direction"] == "inbound" else "agent_messages"
            hours[m["hour"]][side] += 1
    return kpis, rows, {"volume": volume, "frequency_by_hour": list(hours.values())}


def _in_range(w: World, account_id: str, s: Scope) -> list[tuple[list[dict], dict]]:
    """The account's conversations on the request's days, in ``_conversation_days``' order; a
    closed range reads only its days' (positions indexed once per world)."""
    conversations = w._conversation_days.get(account_id, [])
    if s.date_from is None or s.date_to is None:
        return [c for c in conversations if s.dated(c[1]["date_day"])]
    index = w.__dict__.setdefault("_conversations_by_day", {})
    if account_id not in index:
        index[account_id] = by_day = defaultdict(list)
        for position, (_, row) in enumerate(conversations):
            by_day[row["date_day"]].append(position)
    by_day, day, positions = index[account_id], s.date_from, []
    while day <= s.date_to:
        positions += by_day.get(day, ())
        day += timedelta(days=1)
    return [conversations[p] for p in sorted(positions)]


def _totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "conversations": len(rows),
        "conversation_messages": sum(r["total_messages"] for r in rows),
        "conversation_inbound_messages": sum(r["inbound_messages"] for r in rows),
        "conversation_outbound_messages": sum(r["outbound_messages"] for r in rows),
    }
