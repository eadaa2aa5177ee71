"""Account usage and credits (kpi-spec "Account usage (Salesmsg-style)" and "SMS segments and
credits": the monthly allowance resets at each billing period start, local time)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from orchestration.reference.facts import World
from orchestration.reference.scope import Scope
from orchestration.reference.spend import spend_by_currency

USAGE_COUNTS = (
    "segments_total", "segments_sent", "segments_received", "calls_total", "calls_inbound",
    "calls_outbound", "calls_forwarded", "new_contacts", "credits_used",
)  # fmt: skip


def _billed(w: World, account_ids, days=None) -> list[dict]:
    """Messages that cost credits: every inbound one and every outbound one not canceled (of
    these accounts, created in ``days``)."""
    return [
        m
        for m in w.select("messages", account_ids, days)
        if m["direction"] == "inbound" or not m["is_canceled"]
    ]


def _usage_counts(w: World, s: Scope) -> dict[str, Any]:
    out = dict.fromkeys(USAGE_COUNTS, 0)
    for m in _billed(w, s.account_ids, s.days):
        segments = 0 if m["is_mms"] else m["segments"]
        out["segments_sent" if m["direction"] == "outbound" else "segments_received"] += segments
        out["segments_total"] += segments
        out["credits_used"] += m["credits"]
    for c in w.select("calls", s.account_ids, s.days):
        if not c["is_leg"]:
            out["calls_total"] += 1
            out[f"calls_{c['direction']}"] += 1
            out["calls_forwarded"] += c["direction"] == "inbound" and c["forwarded_to"] is not None
    out["new_contacts"] = len(w.select("contacts", s.account_ids, s.days))  # created in range
    opt_events = w.select("opt_events", s.account_ids, s.days)
    for key, direction in (("opted_in_contacts", "opt_in"), ("opted_out_contacts", "opt_out")):
        out[key] = len({o["contact_id"] for o in opt_events if o["direction"] == direction})
    return out


def _member(w: World, m: dict) -> str | None:
    """Outbound: its sender, else its inbox's owner; inbound: the owner of the member inbox."""
    inbox = w.inboxes.get(m["inbox_id"]) if m["inbox_id"] else None
    owner = inbox["owner_user_id"] if inbox and inbox["inbox_type"] == "member" else None
    return (m["user_id"] or owner) if m["direction"] == "outbound" else owner


def usage(w: World, s: Scope):
    kpis = _usage_counts(w, s)
    days = {
        x["day"]
        for entity in ("messages", "calls", "opt_events", "contacts")
        for x in w.select(entity, s.account_ids, s.days)
    }
    rows = []
    for start in sorted({s.period(d) for d in days}):
        row = _usage_counts(w, s.in_period(start))
        if any(row.values()):
            rows.append({"period_start": start, **row})
    members: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    inboxes: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for m in _billed(w, s.account_ids, s.days):
        segments = 0 if m["is_mms"] else m["segments"]
        kind = "segments_sent" if m["direction"] == "outbound" else "segments_received"
        targets = []
        if (user := _member(w, m)) is not None:
            targets.append(members[user])
            members[user]["messages_sent"] += m["direction"] == "outbound"
            members[user]["messages_received"] += m["direction"] == "inbound"
        inbox = w.inboxes.get(m["inbox_id"]) if m["inbox_id"] else None
        if inbox and inbox["inbox_type"] == "shared":
            targets.append(inboxes[m["inbox_id"]])
        for t in targets:
            t[kind] += segments
            t["segments_total"] += segments
            t["credits_used"] += m["credits"]
    for c in w.select("calls", s.account_ids, s.days):
        if c["user_id"] and not c["is_leg"]:
            members[c["user_id"]]["calls_total"] += 1
            members[c["user_id"]][f"calls_{c['direction']}"] += 1
    member_keys = ("segments_total", "segments_sent", "segments_received", "messages_sent",
                   "messages_received", "credits_used", "calls_total", "calls_inbound",
                   "calls_outbound")  # fmt: skip
    by_member = [
        {"user_id": u, "full_name": w.users[u]["full_name"] if u in w.users else None,
         **{k: v.get(k, 0) for k in member_keys}}
        for u, v in members.items()
    ]  # fmt: skip
    inbox_keys = ("segments_total", "segments_sent", "segments_received", "credits_used")
    by_inbox = [
        {"inbox_id": i, "inbox_name": w.inboxes[i]["inbox_name"],
         **{k: v.get(k, 0) for k in inbox_keys}}
        for i, v in inboxes.items()
    ]  # fmt: skip
    spend = spend_by_currency(w.select("messages", s.account_ids, s.days))
    return kpis, rows, {"by_member": by_member, "by_shared_inbox": by_inbox,
                        "spend_by_currency": spend}  # fmt: skip


# --------------------------------------------------------------------------- credits


def _period_start(anchor: int, year: int, month: int) -> date:
    """The anchor day in a month, clamped to its last day (anchor 31 -> Feb 28/29)."""
    return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def _credits_by_day(w: World, account_id: str) -> dict[date, int]:
    """The account's credits used per local day (worked once per world: as of no request)."""
    cache = w.__dict__.setdefault("_credits_by_day", {})
    if account_id not in cache:
        credits: dict[date, int] = defaultdict(int)
        for m in _billed(w, [account_id]):
            credits[m["day"]] += m["credits"]
        cache[account_id] = dict(credits)
    return cache[account_id]


def billing_periods(w: World, account_id: str, as_of: date) -> list[dict[str, Any]]:
    """Billing periods from the one holding the account's first day (creation or first
    message) through the one holding ``as_of``, with credits used, allowance, remaining,
    overage and projection."""
    account = w.accounts[account_id]
    created = w.day(account["created_at"], account_id)
    anchor = account["billing_cycle_anchor_day"] or created.day
    credits = _credits_by_day(w, account_id)
    first = min([created, *credits])
    year, month = first.year, first.month
    if first < _period_start(anchor, year, month):  # first falls in the previous month's period
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    allowance = account["monthly_credit_allowance"]
    out = []
    while (start := _period_start(anchor, year, month)) <= as_of:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = _period_start(anchor, year, month) - timedelta(days=1)
        used = sum(v for d, v in credits.items() if start <= d <= end)
        days = (end - start).days + 1
        current = start <= as_of <= end
        elapsed = (as_of - start).days + 1 if current else days
        out.append({
            "account_id": account_id, "period_start": start, "period_end": end,
            "period_days": days, "elapsed_days": elapsed, "is_current_period": current,
            "credit_allowance": allowance, "credits_used": used,
            # A missing allowance (optional in the contract) leaves remaining unknown (null).
            "credits_remaining": None if allowance is None else max(allowance - used, 0),
            "credits_overage": None if allowance is None else max(used - allowance, 0),
            "credits_projected": used / elapsed * days if current else float(used),
        })  # fmt: skip
    return out


def _sum(values: list) -> Any:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _own_today(w: World, account_id: str, s: Scope) -> date:
    """Each account's billing periods run through its own local today (periods are local time):
    a sub-account east of the viewer may already be a day ahead at the same instant."""
    if s.as_of_days and account_id in s.as_of_days:
        return s.as_of_days[account_id]
    return s.today if s.now is None else w.day(s.now, account_id)


def credits(w: World, s: Scope):
    periods = [p for a in s.account_ids for p in billing_periods(w, a, _own_today(w, a, s))]
    rows = [
        p for p in periods
        if (s.date_to is None or p["period_start"] <= s.date_to)
        and (s.date_from is None or p["period_end"] >= s.date_from)
    ]  # fmt: skip
    as_of = s.date_to or s.today
    current = [p for p in periods if p["period_start"] <= as_of <= p["period_end"]]
    kpis = {
        "credits_used": sum(p["credits_used"] for p in current),
        "credit_allowance": _sum([p["credit_allowance"] for p in current]),
        "credits_remaining": _sum([p["credits_remaining"] for p in current]),
        "credits_projected": float(sum(p["credits_projected"] for p in current))
        if current
        else None,
    }
    return kpis, rows, {}
