"""Hypothesis strategies for small random worlds, written as landing files (raw-contract.md).

A world is one root account with sub-accounts in several time zones, over six weeks that hold
both the European (2026-10-25) and the US (2026-11-01) end of daylight saving time, with every
feature issue 9 lists: standard and keyword campaigns with steps and templates, enrollments,
blast / manual / automation messages, MMS, missing and empty bodies, canceled messages, late,
repeated and out-of-order delivery events, soft-bounce retries, hard bounces, replies inside
and outside the attribution window, keyword openers, STOP and opt-out language, opt events
linked by campaign, enrollment or message only, references across accounts, calls with missing
or fractional-second timestamps, labels added / removed / re-added, leads and deals.

Every timestamp of a world is distinct (a serial microsecond is added to each), so no rule that
the spec leaves to tie-breaking decides a number. IDs are local ("a0", "m12"); ``landing_rows``
prefixes them per world, so many worlds share one landing and one build.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

START = datetime(2026, 10, 1, tzinfo=UTC)
SPAN_MINUTES = 45 * 24 * 60
TODAY = date(2026, 11, 12)  # reports pin "today" here (data runs a few days past it)
EXPORT_DAY = "2026-11-16"
LATE_EXPORT_DAY = "2026-11-17"
DST_DAYS = (date(2026, 10, 25), date(2026, 11, 1))

ZONES = (
    "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London",
    "Europe/Berlin", "UTC", "Asia/Kolkata",
)  # fmt: skip
BODIES = (
    "Hi there, are you still interested in selling?",
    "STOP", " stop\n", "Stop please", "UNSUBSCRIBE", "please remove me from this list",
    "Take me off your list!", "yes", "START", "HELP", "Maybe, what's the offer? 🏠",
    "Call me at 10", "", None, "€ price [info] {now}", "x" * 161, "é" * 71,
    "👨‍👩‍👧‍👦 " * 8, "ok",
)  # fmt: skip
OUTCOMES = ("lead", "Left VM", "voicemail", "not interested", "Deal Closed", "asked for a quote")
# (status, error_code) sequences a delivery can go through.
DELIVERIES = (
    (),
    (("queued", None), ("sent", None), ("delivered", None)),
    (("sent", None), ("delivered", None), ("read", None)),
    (("sent", None), ("undelivered", "30003"), ("sent", None), ("delivered", None)),
    (("sent", None), ("undelivered", "30003"), ("undelivered", "30008")),
    (("sent", None), ("undelivered", "30005")),
    (("sent", None), ("failed", "21211")),
    (("sent", None), ("failed", "30007")),
    (("sent", None), ("undelivered", "21610")),
    (("sent", None), ("failed", "12345")),
    (("queued", None), ("sending", None)),
    (("queued", None), ("canceled", None)),
)


class _Clock:
    """Distinct instants: minute offsets from START plus a serial microsecond."""

    def __init__(self, draw) -> None:
        self.draw, self.serial = draw, 0

    def at(self, low: int = 0, high: int = SPAN_MINUTES, after: datetime | None = None) -> datetime:
        self.serial += 1
        minutes = self.draw(st.integers(low, high))
        millis = self.draw(st.sampled_from((0, 0, 250, 999)))
        base = after if after is not None else START
        return base + timedelta(minutes=minutes, milliseconds=millis, microseconds=self.serial)


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.isoformat().replace("+00:00", "Z")


@st.composite
def worlds(draw) -> dict[str, list[dict[str, Any]]]:
    """One world's rows per entity (local IDs, timestamps as datetimes)."""
    clock = _Clock(draw)
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    flag = lambda p=0.5: draw(st.floats(0, 1)) < p  # noqa: E731
    n_accounts = draw(st.integers(1, 3))
    accounts = [f"a{i}" for i in range(n_accounts)]
    for i, acc in enumerate(accounts):
        parent = None if i == 0 else accounts[draw(st.integers(0, i - 1))]
        rows["accounts"].append({
            "account_id": acc, "parent_account_id": parent, "name": f"Account {acc}",
            "time_zone": draw(st.sampled_from(ZONES)),
            "monthly_credit_allowance": draw(st.one_of(st.none(), st.integers(0, 300))),
            "billing_cycle_anchor_day": draw(st.one_of(st.none(), st.integers(1, 31))),
            "created_at": START - timedelta(days=90), "updated_at": None,
        })  # fmt: skip
    cross: list[tuple[str, str]] = []  # (account, campaign) pairs, for cross-account references
    for acc in accounts:
        _account(draw, clock, flag, rows, acc, cross)
    if len(accounts) > 1 and cross and flag(0.6):
        # A message and an opt event of one account naming another account's campaign.
        acc, campaign = draw(st.sampled_from(cross))
        other = draw(st.sampled_from([a for a in accounts if a != acc]))
        contact = f"{other}c0"
        when = clock.at()
        rows["messages"].append(
            _message(
                f"{other}mx", other, contact, "inbound", when, body="yes", campaign_id=campaign
            )
        )
        rows["opt_events"].append({
            "opt_event_id": f"{other}ox", "account_id": other, "contact_id": contact,
            "direction": "opt_out", "method": "manual",
            "occurred_at": clock.at(after=when, high=60),
            "campaign_id": campaign, "enrollment_id": None, "message_id": None, "user_id": None,
        })  # fmt: skip
    _price(draw, rows["messages"])
    return dict(rows)


# The platform's (price, price_unit) a message may carry (issue 13, spend): Twilio-style charges
# (negative), a refund (positive), another currency, no price, a price without a currency.
PRICES = (
    (None, None), ("-0.0079", "USD"), ("-0.0158", "usd"), ("-0.0100", "EUR"), ("0.0079", "USD"),
    ("-0.0079", None),
)  # fmt: skip


def _price(draw, messages: list[dict[str, Any]]) -> None:
    picks = draw(st.lists(st.sampled_from(PRICES), min_size=len(messages), max_size=len(messages)))
    for message, (price, unit) in zip(messages, picks, strict=True):
        message["price"], message["price_unit"] = price, unit


def _message(mid, acc, contact, direction, when, **more) -> dict[str, Any]:
    row = {
        "message_id": mid, "account_id": acc, "contact_id": contact, "direction": direction,
        "created_at": when, "phone_number_id": f"{acc}p0", "inbox_id": f"{acc}i0",
        "user_id": None, "campaign_id": None, "enrollment_id": None, "template_id": None,
        "step_number": None, "send_type": None, "body": "ok", "media_count": 0,
        "num_segments": None, "price": None, "price_unit": None,
    }  # fmt: skip
    row.update(more)
    return row


def _account(draw, clock, flag, rows, acc, cross) -> None:
    users = [f"{acc}u{i}" for i in range(draw(st.integers(1, 2)))]
    for u in users:
        rows["users"].append({
            "user_id": u, "account_id": acc, "full_name": f"User {u}", "role": "agent",
            "created_at": START - timedelta(days=60), "updated_at": None,
            "deactivated_at": clock.at() if flag(0.3) else None,
        })  # fmt: skip
    inboxes = [(f"{acc}i{i}", "member", u) for i, u in enumerate(users)]
    inboxes.append((f"{acc}i{len(users)}", "shared", None))
    for inbox, kind, owner in inboxes:
        rows["inboxes"].append({
            "inbox_id": inbox, "account_id": acc, "name": f"Inbox {inbox}", "inbox_type": kind,
            "owner_user_id": owner, "created_at": START - timedelta(days=60), "updated_at": None,
        })  # fmt: skip
    numbers = [f"{acc}p{i}" for i in range(len(inboxes))]
    for number, (inbox, _, _) in zip(numbers, inboxes, strict=True):
        rows["phone_numbers"].append({
            "phone_number_id": number, "account_id": acc,
            "e164": f"+1555{sum(map(ord, number)) % 10**7:07d}", "friendly_name": f"Line {number}",
            "inbox_id": inbox, "number_type": "local", "is_tracking_number": True,
            "created_at": START - timedelta(days=60), "updated_at": None, "released_at": None,
        })  # fmt: skip
    contacts = [f"{acc}c{i}" for i in range(draw(st.integers(1, 4)))]
    for c in contacts:
        rows["contacts"].append({
            "contact_id": c, "account_id": acc, "phone": f"+1 (555) 010-{len(c):04d}",
            "first_name": "Sam", "last_name": None, "email": None, "source": "import",
            "created_at": clock.at(), "updated_at": None, "deleted_at": None,
        })  # fmt: skip
    labels = [f"{acc}l{i}" for i in range(draw(st.integers(0, 2)))]
    for label in labels:
        rows["labels"].append(
            {
                "label_id": label,
                "account_id": acc,
                "name": f"Label {label}",
                "created_at": START,
                "updated_at": None,
                "deleted_at": None,
            }
        )
    for k in range(draw(st.integers(0, 5)) if labels else 0):
        rows["contact_labels"].append({
            "event_id": f"{acc}e{k}", "account_id": acc,
            "contact_id": draw(st.sampled_from(contacts)),
            "label_id": draw(st.sampled_from(labels)),
            "action": draw(st.sampled_from(("added", "added", "removed"))),
            "user_id": users[0], "occurred_at": clock.at(),
        })  # fmt: skip
    templates = [f"{acc}t{i}" for i in range(draw(st.integers(1, 2)))]
    for t in templates:
        rows["templates"].append(
            {
                "template_id": t,
                "account_id": acc,
                "name": f"Template {t}",
                "body": "Hi!",
                "created_at": START,
                "updated_at": None,
                "deleted_at": None,
            }
        )
    serial = iter(range(10_000))
    outbound: list[dict] = []
    for ci in range(draw(st.integers(0, 2))):
        _campaign(
            draw,
            clock,
            flag,
            rows,
            acc,
            f"{acc}k{ci}",
            users,
            contacts,
            templates,
            serial,
            outbound,
            cross,
        )
    for c in contacts:  # inbox conversations outside campaigns
        for _ in range(draw(st.integers(0, 3))):
            direction = draw(st.sampled_from(("inbound", "outbound")))
            line = draw(st.integers(0, len(inboxes) - 1))
            m = _message(
                f"{acc}m{next(serial)}",
                acc,
                c,
                direction,
                clock.at(),
                inbox_id=inboxes[line][0],
                phone_number_id=numbers[line],
                body=draw(st.sampled_from(BODIES)),
                num_segments=draw(st.sampled_from((None, 1, 2))),
                media_count=draw(st.sampled_from((0, 0, 0, 1))),
            )
            if direction == "outbound":
                m["send_type"] = draw(st.sampled_from(("manual", "manual", "automation")))
                m["user_id"] = draw(st.sampled_from((*users, None)))
                outbound.append(m)
            rows["messages"].append(m)
    if flag(0.3):  # three hard bounces put a contact on the suppression list
        for _ in range(3):
            m = _message(
                f"{acc}m{next(serial)}",
                acc,
                contacts[-1],
                "outbound",
                clock.at(),
                send_type="automation",
                body="Last chance!",
            )
            rows["messages"].append(m)
            rows["message_events"].append({
                "event_id": f"{m['message_id']}h", "message_id": m["message_id"],
                "status": "undelivered", "occurred_at": clock.at(after=m["created_at"], high=5),
                "error_code": draw(st.sampled_from(("30005", "21211"))), "attempt": 1,
                "_late": flag(0.2),
            })  # fmt: skip
    for m in outbound:
        _deliveries(draw, clock, flag, rows, m)
    inbound = [
        m for m in rows["messages"] if m["account_id"] == acc and m["direction"] == "inbound"
    ]
    for k, m in enumerate(inbound):
        if m["body"] and m["body"].strip().lower() in ("stop", "unsubscribe") and flag(0.7):
            link = draw(st.sampled_from(("message", "campaign", "enrollment")))
            rows["opt_events"].append({
                "opt_event_id": f"{acc}o{k}", "account_id": acc, "contact_id": m["contact_id"],
                "direction": "opt_out", "method": draw(st.sampled_from(("keyword", "ai_filter"))),
                "occurred_at": clock.at(after=m["created_at"], high=2),
                "campaign_id": m["campaign_id"] if link == "campaign" else None,
                "enrollment_id": m["enrollment_id"] if link == "enrollment" else None,
                "message_id": m["message_id"] if link == "message" else None, "user_id": None,
            })  # fmt: skip
    for k in range(draw(st.integers(0, 2))):
        rows["opt_events"].append({
            "opt_event_id": f"{acc}q{k}", "account_id": acc,
            "contact_id": draw(st.sampled_from(contacts)),
            "direction": draw(st.sampled_from(("opt_out", "opt_in"))),
            "method": draw(st.sampled_from(("manual", "management_page", "import", "ai_filter"))),
            "occurred_at": clock.at(), "campaign_id": None, "enrollment_id": None,
            "message_id": None, "user_id": users[0],
        })  # fmt: skip
    _calls(draw, clock, flag, rows, acc, users, contacts, numbers, inbound)


def _campaign(
    draw, clock, flag, rows, acc, cid, users, contacts, templates, serial, outbound, cross
) -> None:
    kind = draw(st.sampled_from(("standard", "keyword")))
    created = clock.at()
    rows["campaigns"].append({
        "campaign_id": cid, "account_id": acc, "name": f"Campaign {cid}", "campaign_type": kind,
        "keyword": "JOIN" if kind == "keyword" else None, "status": "active",
        "created_at": created,
        "launched_at": clock.at(after=created, high=3000) if flag(0.85) else None,
        "ended_at": None, "updated_at": None,
    })  # fmt: skip
    cross.append((acc, cid))
    steps = draw(st.integers(1, 2))
    for step in range(1, steps + 1):
        rows["campaign_steps"].append(
            {
                "campaign_id": cid,
                "step_number": step,
                "template_id": draw(st.sampled_from(templates)),
                "delay_minutes": 60 * 24 * (step - 1),
            }
        )
    for u in users:
        rows["campaign_senders"].append(
            {
                "campaign_id": cid,
                "user_id": u,
                "added_at": created,
                "removed_at": clock.at() if flag(0.2) else None,
            }
        )
    step_templates = {
        s["step_number"]: s["template_id"]
        for s in rows["campaign_steps"]
        if s["campaign_id"] == cid
    }
    for ei, contact in enumerate(c for c in contacts if flag(0.7)):
        eid = f"{cid}e{ei}"
        enrolled = clock.at()
        rows["campaign_enrollments"].append(
            {
                "enrollment_id": eid,
                "campaign_id": cid,
                "contact_id": contact,
                "assigned_user_id": users[0],
                "enrolled_at": enrolled,
            }
        )
        base = dict(campaign_id=cid, enrollment_id=eid)
        if kind == "keyword":  # the contact's keyword starts the enrollment: not a reply
            rows["messages"].append(
                _message(
                    f"{acc}m{next(serial)}",
                    acc,
                    contact,
                    "inbound",
                    enrolled - timedelta(seconds=draw(st.integers(1, 30))),
                    body="join",
                    **(base if flag(0.5) else {}),
                )
            )
        last = enrolled
        for step in range(1, steps + 1):
            if flag(0.15):
                continue
            last = clock.at(after=last, high=2 * 24 * 60)
            m = _message(
                f"{acc}m{next(serial)}",
                acc,
                contact,
                "outbound",
                last,
                template_id=step_templates[step],
                step_number=step,
                send_type="keyword_reply"
                if kind == "keyword" and step == 1
                else draw(st.sampled_from(("blast", "automation"))),
                body=draw(st.sampled_from(BODIES)),
                num_segments=draw(st.sampled_from((None, 1, 3))),
                media_count=draw(st.sampled_from((0, 0, 0, 2))),
                **base,
            )
            rows["messages"].append(m)
            outbound.append(m)
        for _ in range(draw(st.integers(0, 3))):  # replies, some outside the window
            when = clock.at(after=enrolled, high=40 * 24 * 60)
            platform = base if flag(0.3) else {}
            reply = _message(
                f"{acc}m{next(serial)}",
                acc,
                contact,
                "inbound",
                when,
                body=draw(st.sampled_from(BODIES)),
                media_count=draw(st.sampled_from((0, 0, 1))),
                **platform,
            )
            rows["messages"].append(reply)
            if flag(0.6):  # a person answers
                answer = _message(
                    f"{acc}m{next(serial)}",
                    acc,
                    contact,
                    "outbound",
                    clock.at(after=when, high=600),
                    send_type="manual",
                    user_id=draw(st.sampled_from(users)),
                    body="Sure, call me",
                    **base,
                )
                rows["messages"].append(answer)
                outbound.append(answer)
        if flag(0.3):
            rows["opt_events"].append({
                "opt_event_id": f"{eid}o", "account_id": acc, "contact_id": contact,
                "direction": "opt_out", "method": draw(st.sampled_from(("manual", "keyword"))),
                "occurred_at": clock.at(after=enrolled, high=5000),
                "campaign_id": None, "enrollment_id": eid, "message_id": None, "user_id": users[0],
            })  # fmt: skip


def _deliveries(draw, clock, flag, rows, m) -> None:
    events = draw(st.sampled_from(DELIVERIES))
    when = m["created_at"]
    for k, (status, code) in enumerate(events):
        when = clock.at(after=when, high=90 if status != "sent" else 5)
        event = {
            "event_id": f"{m['message_id']}v{k}",
            "message_id": m["message_id"],
            "status": status,
            "occurred_at": when,
            "error_code": code,
            "attempt": 1 + sum(1 for s, _ in events[:k] if s == "undelivered"),
            "_late": flag(0.15),
        }
        rows["message_events"].append(event)
        if flag(0.15):  # a webhook retry: the same event again
            rows["message_events"].append(dict(event, _late=not event["_late"]))
    # clicks mostly follow a delivery; a few land on a message that finally failed or was
    # canceled (dirt, or a link opened from a preview): no click of its campaign's send
    reached = bool(events) and events[-1][0] in ("delivered", "read", "sent")
    if flag(0.3) if reached else flag(0.05):
        for k in range(draw(st.integers(1, 3))):
            link = draw(st.sampled_from(("l1", "l2")))
            rows["link_clicks"].append({
                "click_id": f"{m['message_id']}x{k}", "message_id": m["message_id"],
                "link_id": link, "url": f"https://example.com/{link}",
                "clicked_at": clock.at(after=m["created_at"], high=3000), "user_agent": "test",
            })  # fmt: skip


def _calls(draw, clock, flag, rows, acc, users, contacts, numbers, inbound) -> None:
    campaigns = [c["campaign_id"] for c in rows["campaigns"] if c["account_id"] == acc]
    for k in range(draw(st.integers(0, 5))):
        cid = f"{acc}call{k}"
        direction = draw(st.sampled_from(("outbound", "outbound", "inbound")))
        started = clock.at()
        answered = clock.at(after=started, high=1) if flag(0.7) else None
        talk = draw(st.sampled_from((30.0, 89.5, 90.0, 90.4, 200.25)))
        ended = None if answered is None or flag(0.2) else answered + timedelta(seconds=talk)
        rows["calls"].append({
            "call_id": cid, "account_id": acc, "direction": direction, "started_at": started,
            "contact_id": draw(st.sampled_from(contacts)), "phone_number_id": numbers[0],
            "user_id": draw(st.sampled_from((*users, None))),
            "campaign_id": draw(st.sampled_from((*campaigns, None))),
            "answered_at": answered, "ended_at": ended,
            "status": "completed" if answered else "no-answer",
            "answered_by": draw(st.sampled_from(("human", "machine", "unknown")))
            if answered else None,
            "forwarded_to": "+15550000000" if direction == "inbound" and flag(0.3) else None,
            "parent_call_id": None, "outcome": draw(st.sampled_from((*OUTCOMES, None))),
        })  # fmt: skip
        if flag(0.4):
            _lead(
                draw,
                clock,
                flag,
                rows,
                acc,
                f"{cid}L",
                "call",
                started,
                call_id=cid,
                contact_id=rows["calls"][-1]["contact_id"],
                campaign_id=rows["calls"][-1]["campaign_id"],
            )
    for m in inbound:
        if flag(0.2):
            _lead(
                draw,
                clock,
                flag,
                rows,
                acc,
                f"{m['message_id']}L",
                "sms",
                m["created_at"],
                message_id=m["message_id"],
                contact_id=m["contact_id"],
                campaign_id=m["campaign_id"] if flag(0.5) else None,
            )


def _lead(draw, clock, flag, rows, acc, lid, channel, after, **links) -> None:
    created = clock.at(after=after, high=3000)
    rows["leads"].append(
        {
            "lead_id": lid,
            "account_id": acc,
            "created_at": created,
            "channel": channel,
            "campaign_id": None,
            "message_id": None,
            "call_id": None,
            **links,
        }
    )
    if flag(0.5):
        rows["deals"].append(
            {
                "deal_id": f"{lid}D",
                "lead_id": lid,
                "account_id": acc,
                "closed_at": clock.at(after=created, high=20000),
                "amount": draw(st.sampled_from((None, 100, 2500.5))),
            }
        )


# --------------------------------------------------------------------------- landing files

_NOT_IDS = {"time_zone", "status", "direction", "method", "action", "channel", "outcome"}


def landing_rows(world: dict[str, list[dict]], prefix: str) -> dict[str, list[dict]]:
    """The world's rows with every ID prefixed (worlds never share an ID)."""
    out = {}
    for entity, rows in world.items():
        out[entity] = [
            {
                k: f"{prefix}{v}"
                if isinstance(v, str)
                and (k.endswith("_id") or k == "link_id")
                and k not in _NOT_IDS
                else v
                for k, v in row.items()
            }
            for row in rows
        ]
    return out


def write_landing(worlds_rows: list[dict[str, list[dict]]], landing: Path) -> None:
    """One JSONL file per world and entity; late delivery events land on a later export day,
    and each file's rows are in reverse time order (arrival order must not matter)."""
    for index, world in enumerate(worlds_rows):
        for entity, rows in world.items():
            by_day: dict[str, list[dict]] = defaultdict(list)
            for row in rows:
                day = LATE_EXPORT_DAY if row.get("_late") else EXPORT_DAY
                by_day[day].append({k: v for k, v in row.items() if k != "_late"})
            for day, day_rows in by_day.items():
                folder = landing / entity / day
                folder.mkdir(parents=True, exist_ok=True)
                with open(folder / f"world_{index}.jsonl", "w", encoding="utf-8") as handle:
                    for row in reversed(day_rows):
                        handle.write(
                            json.dumps(
                                {
                                    k: _iso(v) if isinstance(v, datetime) else v
                                    for k, v in row.items()
                                },
                                ensure_ascii=False,
                            )
                            + "\n"
                        )
