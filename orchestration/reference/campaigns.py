"""The campaign box (kpi-spec "Campaign box", per campaign, as of now), the SMS send report
(kpi-spec "SMS send report", per campaign step) and the 3-hard-bounce suppression list
(kpi-spec "Message status")."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from orchestration.reference.facts import World
from orchestration.reference.scope import Scope, rate

AUTO_METHODS = ("keyword", "ai_filter")
BOX_COUNTS = (
    "enrollments", "initials_sent", "segments", "replies", "active_senders",
    "auto_opt_outs", "manual_opt_outs", "total_opt_outs",
)  # fmt: skip


def _campaigns(w: World, s: Scope) -> list[dict]:
    return sorted(
        (c for c in w.campaigns.values() if s.owns(c) and s.campaign_chosen(c["campaign_id"])),
        key=lambda c: (c["account_id"], c["campaign_id"]),
    )


def _sent(w: World, s: Scope) -> list[dict]:
    """The scope's outbound messages not canceled. Ground rule 2 keeps a message that names a
    campaign or enrollment in that campaign's account, so these are all the scope's campaigns'."""
    return [
        m
        for m in w.select("messages", s.account_ids)
        if m["direction"] == "outbound" and not m["is_canceled"]
    ]


def campaign_box(w: World, s: Scope):
    steps: dict[str, list[int]] = defaultdict(list)
    for step in w.rows["campaign_steps"]:
        steps[step["campaign_id"]].append(step["step_number"])
    initials, segments = defaultdict(set), defaultdict(int)
    for m in _sent(w, s):
        # initials_sent: enrollments whose first step message was sent, "x of N": of the N
        # enrollments that landed, each under its own campaign and that campaign's first step.
        enrollment = w.enrollments.get(m["enrollment_id"]) if m["enrollment_id"] else None
        if enrollment:
            campaign = enrollment["campaign_id"]
            if m["step_number"] == min(steps.get(campaign, [1])):
                initials[campaign].add(m["enrollment_id"])
        if m["campaign_id"] and not m["is_mms"]:  # segments of outbound SMS, not MMS
            segments[m["campaign_id"]] += m["segments"]
    replies = _replied_enrollments(w, s)
    # An enrollment is opted out once, by its first keyword / ai_filter / manual opt-out event
    # linked to the campaign (by campaign, enrollment or message); that event says how, so
    # total_opt_outs = auto + manual never counts an enrollment twice. "x of N" like initials
    # and replies: only enrollments that landed.
    first_opt_out: dict[tuple, dict] = {}
    events = sorted(  # an event's linked campaigns are of its account (ground rule 2)
        w.select("opt_events", s.account_ids), key=lambda o: (o["occurred_at"], o["opt_event_id"])
    )
    for o in events:
        if o["direction"] != "opt_out" or o["method"] not in (*AUTO_METHODS, "manual"):
            continue
        for campaign, enrollment in o["linked"].items():
            if enrollment in w.enrollments:
                first_opt_out.setdefault((campaign, enrollment), o)
    auto, manual = defaultdict(set), defaultdict(set)
    for (campaign, enrollment), o in first_opt_out.items():
        (auto if o["method"] in AUTO_METHODS else manual)[campaign].add(enrollment)
    senders = defaultdict(set)  # active: assigned, not removed, user not deactivated
    for sender in w.rows["campaign_senders"]:
        user = w.users.get(sender["user_id"])
        if sender["removed_at"] is None and user and user["deactivated_at"] is None:
            senders[sender["campaign_id"]].add(sender["user_id"])
    rows = []
    for c in _campaigns(w, s):
        cid = c["campaign_id"]
        row = {
            "campaign_id": cid, "account_id": c["account_id"], "campaign_name": c["campaign_name"],
            "campaign_type": c["campaign_type"], "status": c["status"],
            "enrollments": len(w.enrollments_by_campaign.get(cid, ())),
            "initials_sent": len(initials[cid]),
            "segments": segments[cid], "replies": len(replies[cid]),
            "active_senders": len(senders[cid]), "auto_opt_outs": len(auto[cid]),
            "manual_opt_outs": len(manual[cid]),
        }  # fmt: skip
        row["total_opt_outs"] = row["auto_opt_outs"] + row["manual_opt_outs"]
        _box_ratios(row)
        rows.append(row)
    kpis = {key: sum(r[key] for r in rows) for key in BOX_COUNTS}
    _box_ratios(kpis)
    return kpis, rows, {}


def _box_ratios(row: dict[str, Any]) -> None:
    row["reply_rate"] = rate(row["replies"], row["initials_sent"])  # 3 / 8 = 37.5 %
    # "1 : floor(enrollments / active_senders)": 13 enrollments, 2 senders -> 6.
    row["enrollments_per_sender"] = (
        row["enrollments"] // row["active_senders"] if row["active_senders"] else None
    )


def _unsubscribed_sends(w: World, o: dict) -> list[tuple[str, Any]]:
    """The sends (campaign, step) an opt-out is attributed to, one per campaign it belongs to:
    the message it names (a message of the send, or a reply credited to it), else the latest
    step that campaign sent the contact up to the opt-out."""
    sends = []
    message = o["linked_message"]
    sent = w.outbound_by_contact.get((o["account_id"], o["contact_id"]), [])
    for campaign in o["linked"]:
        credited = message is not None and message["attributed_campaign_id"] == campaign
        if credited and message["attributed_step_number"] is not None:
            sends.append((campaign, message["attributed_step_number"]))
            continue
        steps = [
            m for m in sent
            if m["campaign_id"] == campaign and m["step_number"] is not None
            and m["created_at"] <= o["occurred_at"]
        ]  # fmt: skip
        if steps:
            sends.append((campaign, steps[-1]["step_number"]))
    return sends


def send_report(w: World, s: Scope):
    step_template = {
        (x["campaign_id"], x["step_number"]): x["template_id"] for x in w.rows["campaign_steps"]
    }
    sends = _sends(w, s)
    clicks = w.clicks_by_message
    unsubscribed = defaultdict(set)
    for o in w.select("opt_events", s.account_ids):  # linked to the scope's campaigns only
        for send in _unsubscribed_sends(w, o) if o["direction"] == "opt_out" else ():
            unsubscribed[send].add(o["contact_id"])
    rows, links, contacts = [], defaultdict(lambda: ([], set())), defaultdict(set)
    for key in sorted(k for k in sends if _send_selected(s, step_template.get(k), k[1])):
        messages = sends[key]
        by_outcome = defaultdict(set)
        for m in messages:
            by_outcome[m["outcome"]].add(m["contact_id"])
        send_clicks = [(k, m) for m in messages for k in clicks.get(m["message_id"], ())]
        rows.append(
            _send_row(
                w, key, step_template.get(key), messages, by_outcome, send_clicks,
                unsubscribed[key],
            )
        )  # fmt: skip
        for name, outcome in (
            ("sent", None),
            ("delivered", "delivered"),
            ("soft", "soft_bounce"),
            ("hard", "hard_bounce"),
        ):
            contacts[name] |= (
                {m["contact_id"] for m in messages} if outcome is None else by_outcome[outcome]
            )
        contacts["clicked"] |= {m["contact_id"] for _, m in send_clicks}
        contacts["unsubscribed"] |= unsubscribed[key]
        for click, m in send_clicks:
            entry = links[(key[0], key[1], click["link_id"], click["url"])]
            entry[0].append(click)
            entry[1].add(m["contact_id"])
    kpis = {
        "sent_contacts": len(contacts["sent"]),  # contacts over several sends are distinct
        "delivered_contacts": len(contacts["delivered"]),
        "soft_bounced_contacts": len(contacts["soft"]),
        "hard_bounced_contacts": len(contacts["hard"]),
        "clicks": sum(r["clicks"] for r in rows),
        "unique_clickers": len(contacts["clicked"]),
        "unsubscribed_contacts": len(contacts["unsubscribed"]),
        "credits": sum(r["credits"] for r in rows),
    }
    link_rows = [
        {"campaign_id": k[0], "step_number": k[1], "link_id": k[2], "url": k[3],
         "clicks": len(v[0]), "unique_clickers": len(v[1])}
        for k, v in sorted(links.items())
    ]  # fmt: skip
    return kpis, rows, {"links": link_rows}


def _sends(w: World, s: Scope) -> dict[tuple, list[dict]]:
    """(campaign, step) -> its messages sent, for the campaigns in scope."""
    chosen = {c["campaign_id"] for c in _campaigns(w, s)}
    sends: dict[tuple, list[dict]] = defaultdict(list)
    for m in _sent(w, s):
        # Nothing lost: the sends of a campaign the export has not carried yet are listed
        # under the sending account, without a name.
        unlanded = m["campaign_id"] not in w.campaigns and s.owns(m)
        if m["step_number"] is not None and (
            m["campaign_id"] in chosen or (unlanded and s.campaign_chosen(m["campaign_id"]))
        ):
            sends[(m["campaign_id"], m["step_number"])].append(m)
    return sends


def _send_selected(s: Scope, template: str | None, step_number: int) -> bool:
    return s.template_chosen(template) and (s.step_numbers is None or step_number in s.step_numbers)


def _send_row(
    w: World,
    key: tuple,
    template: str | None,
    messages: list[dict],
    by_outcome: dict[str, set],
    send_clicks: list[tuple[dict, dict]],
    unsubscribed: set[str],
) -> dict[str, Any]:
    """One send's row of the report: its contacts by outcome, clicks and unsubscribes."""
    c = w.campaigns.get(key[0]) or {
        "account_id": messages[0]["account_id"],
        "campaign_name": None,
    }
    return {
        "account_id": c["account_id"], "campaign_id": key[0],
        "campaign_name": c["campaign_name"], "step_number": key[1],
        "template_id": template,
        "sent_contacts": len({m["contact_id"] for m in messages}),
        "delivered_contacts": len(by_outcome["delivered"]),
        "soft_bounced_contacts": len(by_outcome["soft_bounce"]),
        "hard_bounced_contacts": len(by_outcome["hard_bounce"]),
        "clicks": len(send_clicks),
        "unique_clickers": len({m["contact_id"] for _, m in send_clicks}),
        "unsubscribed_contacts": len(unsubscribed),
        "credits": sum(m["credits"] for m in messages),
    }  # fmt: skip


def suppressions(w: World, s: Scope):
    """A contact whose messages hard-bounced 3 times is suppressed from that moment on; the
    list is filtered on the local day of that moment, and shows every hard bounce so far."""
    rows = [
        row
        for account_id in sorted(set(s.account_ids))
        for day, row in _suppressed(w, account_id)
        if s.dated(day)
    ]
    return {"suppressed_contacts": len(rows)}, rows, {}


def _suppressed(w: World, account_id: str) -> list[tuple[Any, dict]]:
    """The account's suppressed contacts by contact id, each with the local day of its third
    hard bounce (worked once per world: a request only filters on that day)."""
    cache = w.__dict__.setdefault("_suppressed", {})
    if account_id in cache:
        return cache[account_id]
    bounces = defaultdict(list)
    for m in w.select("messages", [account_id]):
        if m["direction"] == "outbound" and not m["is_canceled"] and m["outcome"] == "hard_bounce":
            bounces[m["contact_id"]].append(m)
    out = []
    for contact_id, bounced in sorted(bounces.items()):
        if len(bounced) < 3:
            continue
        bounced.sort(key=lambda m: (m["final_status_at"], m["message_id"]))
        third = bounced[2]["final_status_at"]
        contact = w.contacts_by_key.get((account_id, contact_id))
        out.append((w.day(third, account_id), {
            "account_id": account_id, "contact_id": contact_id,
            "phone": contact and contact["phone"],
            # the moment of the third hard bounce, UTC as the API reads timestamps
            "suppressed_at": third.replace(tzinfo=None),
            "reason": "hard_bounce_3x",
            "hard_bounce_count": len(bounced),
            "last_error_code": bounced[-1]["final_error_code"],
        }))  # fmt: skip
    cache[account_id] = out
    return out


def _replied_enrollments(w, s) -> dict[str, set]:
    """Campaign -> enrollments with >= 1 inbound reply, opted-out ones included; "x of N" like
    initials, so only enrollments that landed, each under its own campaign."""
    replies = defaultdict(set)
    for m in w.select("messages", s.account_ids):  # a reply is in its campaign's account
        if m["direction"] == "inbound" and m["is_reply"] and m["attributed_enrollment_id"]:
            enrollment = w.enrollments.get(m["attributed_enrollment_id"])
            if enrollment:
                replies[enrollment["campaign_id"]].add(m["attributed_enrollment_id"])
    return replies
