"""The messaging view (kpi-spec "Messaging (Reporting page)"): headline KPIs, rows per period,
labels and reply rate per step."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from orchestration.reference.facts import World
from orchestration.reference.scope import Scope, median, rate
from orchestration.reference.spend import spend_by_currency

PERIOD_COUNTS = (
    "sms_sent", "sms_segments_sent", "carrier_blocked_messages", "campaign_messages_sent",
    "delivered_first_messages", "first_messages_sent", "replies_received", "opt_out_messages",
    "leads",
)  # fmt: skip


def _chosen(s: Scope, campaign_id, template_id) -> bool:
    # kpi-spec "Messaging" selection: with campaigns or templates chosen, only their messages.
    return s.campaign_chosen(campaign_id) and s.template_chosen(template_id)


def selected_messages(w: World, s: Scope) -> list[dict]:
    """The scope's messages created in range that belong to the selection. An inbound message
    counts for a campaign only as its reply ("What a reply is"): the keyword that opens an
    enrollment is attributed to no campaign (facts._attribute)."""
    messages = w.select("messages", s.account_ids, s.days)
    if s.campaign_ids is None and s.template_ids is None:  # nothing chosen: all of them
        return messages
    return [
        m for m in messages if _chosen(s, m["attributed_campaign_id"], m["attributed_template_id"])
    ]


def message_counts(w: World, s: Scope) -> dict[str, Any]:
    """sms_sent .. leads over the selected messages (kpi-spec "Messaging" table rows 2-6, 11)."""
    out: dict[str, Any] = dict.fromkeys((*PERIOD_COUNTS, "delivered_messages"), 0)
    reached, opted_out = set(), set()
    for m in selected_messages(w, s):
        if m["direction"] == "outbound" and not m["is_canceled"]:
            # sms_sent: outbound created in range, MMS included, canceled excluded.
            out["sms_sent"] += 1
            out["sms_segments_sent"] += 0 if m["is_mms"] else m["segments"]
            out["delivered_messages"] += m["outcome"] == "delivered"
            reached.add(m["contact_id"])
            if m["campaign_id"] is not None:
                out["campaign_messages_sent"] += 1
                out["carrier_blocked_messages"] += m["outcome"] == "carrier_blocked"
        elif m["direction"] == "inbound":
            # replies_received: inbound messages attributed to the selection.
            out["replies_received"] += 1
            out["opt_out_messages"] += m["is_opt_out_message"]
            if m["is_opt_out_message"]:
                opted_out.add(m["contact_id"])
    # delivery_rate: the first outbound message of each enrollment; replies excluded.
    firsts = first_messages(w)
    for m in w.select("messages", s.account_ids, s.days):
        if firsts.get(m["enrollment_id"]) is m and _chosen(s, m["campaign_id"], m["template_id"]):
            out["first_messages_sent"] += 1
            out["delivered_first_messages"] += m["outcome"] == "delivered"
    for lead in w.select("leads", s.account_ids, s.days):
        # leads: channel sms, created in range, attributed to the selected campaigns.
        out["leads"] += _selected_sms_lead(w, s, lead)
    out["contacts_reached"] = len(reached)
    out["opted_out_contacts"] = len(opted_out)
    return out


def _selected_sms_lead(w: World, s: Scope, lead: dict) -> bool:
    if lead["channel"] != "sms" or not s.owns(lead):
        return False
    message = w.messages.get(lead["message_id"]) if lead["message_id"] else None
    campaign = lead["campaign_id"] or (message and message["attributed_campaign_id"])
    return _chosen(s, campaign, message and message["attributed_template_id"])


def first_messages(w: World) -> dict[str, dict]:
    """The first outbound message (reaching the contact) of each campaign enrollment (one
    that landed: an enrollment the export never carried has no creation to count)."""
    if not hasattr(w, "first_messages"):
        w.first_messages = {}
        for m in w.by_time:
            if (
                m["direction"] == "outbound"
                and not m["is_canceled"]
                and m["enrollment_id"] in w.enrollments
            ):
                w.first_messages.setdefault(m["enrollment_id"], m)
    return w.first_messages


def campaign_counters(w: World, s: Scope) -> dict[str, int]:
    """campaigns_created split standard / keyword: created_at in range (campaign filter only)."""
    out = {"campaigns_created": 0, "standard_campaigns_created": 0, "keyword_campaigns_created": 0}
    for c in w.select("campaigns", s.account_ids):
        if s.dated(c["created_day"]) and s.campaign_chosen(c["campaign_id"]):
            out["campaigns_created"] += 1
            out[f"{c['campaign_type']}_campaigns_created"] += 1
    return out


def ai_filtered_contacts(w: World, s: Scope) -> int:
    """Unique contacts with an ai_filter opt_event in range (in the selected campaigns)."""
    contacts = set()
    for o in w.select("opt_events", s.account_ids, s.days):
        if o["method"] != "ai_filter" or o["direction"] != "opt_out":
            continue
        message = o["linked_message"]
        template = message and message["attributed_template_id"]
        campaigns = list(o["linked"]) or [None]
        if any(s.campaign_chosen(c) for c in campaigns) and s.template_chosen(template):
            contacts.add(o["contact_id"])
    return len(contacts)


def reply_rate(w: World, s: Scope) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """kpi-spec "reply_rate": contacts whose first reply to a selected campaign falls in range
    over the contacts enrolled in the selected campaigns (and sent the selected templates); with
    no campaign chosen, the campaigns launched in range. A contact counts once, at the step of
    its first reply; the per-step rows add up to the headline."""
    campaigns = _reply_rate_campaigns(w, s)
    accounts = list(dict.fromkeys(s.account_ids))
    # The campaigns are the scope's, and ground rule 2 keeps their messages in their account.
    sent: dict[tuple[str, str], list[dict]] = defaultdict(list)  # (campaign, contact) -> sent
    for account_id in accounts:
        by_campaign = _sent_by_campaign(w, account_id)
        for campaign in campaigns:
            for m in by_campaign.get(campaign, ()):
                sent[(campaign, m["contact_id"])].append(m)
    enrolled = {
        (e["campaign_id"], e["contact_id"])
        for campaign in campaigns
        for e in w.enrollments_by_campaign.get(campaign, ())
        if (
            s.template_ids is None
            or any(
                m["template_id"] in s.template_ids
                for m in sent[(e["campaign_id"], e["contact_id"])]
            )
        )
    }
    first_reply: dict[tuple[str, str], dict] = {}  # a reply is in its campaign's account
    for account_id in accounts:
        for pair, m in _first_replies(w, account_id).items():
            first_reply.setdefault(pair, m)
    counted: dict[str, dict] = {}  # contact -> its earliest counted first reply
    for pair in sorted(enrolled, key=lambda p: (p[1], p[0])):
        reply = first_reply.get(pair)
        if reply and s.dated(reply["day"]) and s.template_chosen(reply["attributed_template_id"]):
            best = counted.get(pair[1])
            if best is None or (reply["created_at"], reply["message_id"]) < (
                best["created_at"],
                best["message_id"],
            ):
                counted[pair[1]] = reply
    totals = {
        "replied_contacts": len(counted),
        "enrolled_contacts": len({contact for _, contact in enrolled}),
    }
    return totals, _reply_steps(s, enrolled, sent, counted)


def _sent_by_campaign(w: World, account_id: str) -> dict[str, list[dict]]:
    """The account's outbound messages not canceled, per campaign, in time order (worked once
    per world: they do not depend on the request)."""
    cache = w.__dict__.setdefault("_sent_by_campaign", {})
    if account_id not in cache:
        found: dict[str, list[dict]] = defaultdict(list)
        for m in w.by_account_time.get(account_id, ()):
            if m["direction"] == "outbound" and not m["is_canceled"]:
                found[m["campaign_id"]].append(m)
        cache[account_id] = found
    return cache[account_id]


def _first_replies(w: World, account_id: str) -> dict[tuple[str, str], dict]:
    """(campaign, contact) -> the first reply of the contact to the campaign, in the account's
    time order (worked once per world)."""
    cache = w.__dict__.setdefault("_first_replies", {})
    if account_id not in cache:
        found: dict[tuple[str, str], dict] = {}
        for m in w.by_account_time.get(account_id, ()):
            if m["direction"] == "inbound" and m["is_reply"]:
                found.setdefault((m["attributed_campaign_id"], m["contact_id"]), m)
        cache[account_id] = found
    return cache[account_id]


def _reply_rate_campaigns(w: World, s: Scope) -> set[str]:
    """The campaigns chosen (and owned), or with none chosen those launched in range."""
    if s.campaign_ids is not None:
        return {c for c in s.campaign_ids if c in w.campaigns and s.owns(w.campaigns[c])}
    return {
        c["campaign_id"] for c in w.select("campaigns", s.account_ids) if s.dated(c["launched_day"])
    }


def _reply_steps(
    s: Scope,
    enrolled: set[tuple[str, str]],
    sent: dict[tuple[str, str], list[dict]],
    counted: dict[str, dict],
) -> list[dict[str, Any]]:
    """Per step: the contacts sent it (selected templates) and those whose counted first reply
    is credited to it, so the steps add up to the headline."""
    step_sent: dict[Any, set] = defaultdict(set)
    for pair in enrolled:
        for m in sent[pair]:
            if s.template_chosen(m["template_id"]):
                step_sent[m["step_number"]].add(pair[1])
    step_replied: dict[Any, int] = defaultdict(int)
    for reply in counted.values():
        step_replied[reply["attributed_step_number"]] += 1
    steps = [
        {
            "step_number": step,
            "replied_contacts": step_replied.get(step, 0),
            "step_contacts_sent": len(step_sent.get(step, ())),
            "reply_rate": rate(step_replied.get(step, 0), len(step_sent.get(step, ()))),
        }
        for step in sorted(set(step_sent) | set(step_replied), key=lambda v: (v is None, v or 0))
    ]
    return steps


def response_streaks(w: World, s: Scope) -> list[tuple[Any, float | None]]:
    """kpi-spec "median_response_seconds" (ignores campaign and template filters): per
    conversation (contact x account), each inbound message that starts an unanswered streak,
    with the seconds until the next outbound message sent by a person (send_type manual), or
    None when the streak is never answered. Returns (local day of the streak, seconds)."""
    if "_streaks" not in w.__dict__:  # a conversation's streaks do not depend on the request
        w._streaks = {
            key: _conversation_streaks(messages) for key, messages in w.by_contact.items()
        }
    return [
        (day, seconds)
        for key in w.contact_keys(s.account_ids)
        for day, seconds in w._streaks[key]
        if s.dated(day)
    ]


def _conversation_streaks(messages: list[dict]) -> list[tuple[Any, float | None]]:
    """One conversation's streaks in time order: (local day of the streak, seconds or None)."""
    out, start = [], None
    for m in messages:
        if m["direction"] == "inbound" and start is None:
            start = m
        elif m["direction"] == "outbound" and m["send_type"] == "manual" and start:
            out.append((start["day"], (m["created_at"] - start["created_at"]).total_seconds()))
            start = None
    if start is not None:
        out.append((start["day"], None))
    return out


def labels(w: World, s: Scope) -> list[dict[str, Any]]:
    """kpi-spec "Labels" (ignores campaign and template filters): per label, contacts with the
    label added in range and its share of all label assignments in range. An assignment is a
    label going on a contact that does not have it (a repeated "added" is not a new one)."""
    events = w.select("contact_labels", s.account_ids, s.days)  # facts: which are assignments
    assignments: dict[str, list[str]] = defaultdict(list)
    for e in sorted(events, key=lambda e: (e["occurred_at"], e["event_id"])):
        if e["is_assignment"]:
            assignments[e["label_id"]].append(e["contact_id"])
    total = sum(len(v) for v in assignments.values())
    rows = []
    for label_id, contacts in assignments.items():
        label = w.labels.get(label_id)
        rows.append(
            {
                "label": label["label_name"] if label else label_id,
                "label_id": label_id,
                "label_contacts": len(set(contacts)),
                "label_assignments": len(contacts),
                "label_share": len(contacts) / total,
            }
        )
    return sorted(rows, key=lambda r: (-r["label_contacts"], r["label"]))


def messaging(w: World, s: Scope):
    kpis: dict[str, Any] = dict(campaign_counters(w, s))
    kpis.update(message_counts(w, s))
    kpis["ai_filtered_contacts"] = ai_filtered_contacts(w, s)
    totals, steps = reply_rate(w, s)
    kpis.update(totals)
    streaks = response_streaks(w, s)
    answered = [sec for _, sec in streaks if sec is not None]
    kpis["median_response_seconds"] = median(answered)
    kpis["responses_measured"] = len(answered)
    kpis["unanswered_streaks"] = len(streaks) - len(answered)
    kpis["carrier_block_rate"] = rate(
        kpis["carrier_blocked_messages"], kpis["campaign_messages_sent"]
    )
    kpis["delivery_rate"] = rate(kpis["delivered_first_messages"], kpis["first_messages_sent"])
    kpis["opt_out_rate"] = rate(kpis["opt_out_messages"], kpis["sms_sent"])
    kpis["opt_out_rate_contacts"] = rate(kpis["opted_out_contacts"], kpis["contacts_reached"])
    kpis["ai_filtering_rate"] = rate(kpis["ai_filtered_contacts"], kpis["contacts_reached"])
    kpis["reply_rate"] = rate(kpis["replied_contacts"], kpis["enrolled_contacts"])
    kpis["sms_to_lead_rate"] = rate(kpis["leads"], kpis["sms_sent"])
    kpis["sms_to_lead_rate_delivered"] = rate(kpis["leads"], kpis["delivered_messages"])
    kpis["contact_to_lead_rate"] = rate(kpis["leads"], kpis["contacts_reached"])
    sections = {
        "labels": labels(w, s),
        "reply_rate_by_step": steps,
        # every message of the selection, inbound (attributed) and outbound, canceled included
        "spend_by_currency": spend_by_currency(selected_messages(w, s)),
    }
    return kpis, _period_rows(w, s, streaks), sections


def _period_rows(w: World, s: Scope, streaks) -> list[dict[str, Any]]:
    """One row per period (bucket) holding any selected message, lead or response."""
    periods = {s.period(day) for day in {m["day"] for m in selected_messages(w, s)}}
    periods |= {
        s.period(lead["day"])
        for lead in w.select("leads", s.account_ids, s.days)
        if _selected_sms_lead(w, s, lead)
    }
    periods |= {s.period(day) for day, _ in streaks}
    if s.template_ids is None:  # a campaign's creation day is a (zero) row of its own
        periods |= {
            s.period(c["created_day"])
            for c in w.select("campaigns", s.account_ids)
            if s.campaign_chosen(c["campaign_id"]) and s.dated(c["created_day"])
        }
    rows = []
    for start in sorted(periods):
        counts = message_counts(w, s.in_period(start))
        answered = [sec for day, sec in streaks if sec is not None and s.period(day) == start]
        row = {"period_start": start, **{k: counts.get(k, 0) for k in PERIOD_COUNTS}}
        row["median_response_seconds"] = median(answered)
        row["responses_measured"] = len(answered)
        row["carrier_block_rate"] = rate(
            row["carrier_blocked_messages"], row["campaign_messages_sent"]
        )
        row["delivery_rate"] = rate(row["delivered_first_messages"], row["first_messages_sent"])
        row["opt_out_rate"] = rate(row["opt_out_messages"], row["sms_sent"])
        rows.append(row)
    return rows
