"""Per-row facts every view reads: local days, delivery outcome, segments and credits,
inbound attribution, what a reply is, opt-out language, enrollment links, talk time.

Each rule cites the kpi-spec section it implements. Everything is recomputed from the staged rows.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from operator import itemgetter
from zoneinfo import ZoneInfo

from orchestration.reference.segments import segment_count
from orchestration.reference.staged import CodeLists, Row, code_lists, drop_cross_account_references

ATTRIBUTION_WINDOW_DAYS = 30  # dbt var attribution_window_days (kpi-spec "Attribution")
CONVERSATION_MIN_SECONDS = 90  # dbt var conversation_min_seconds (kpi-spec "Calling")
MMS_CREDIT_COST = 3  # dbt var mms_credit_cost (kpi-spec "SMS segments and credits")

# kpi-spec "Message status": ties on occurred_at go to the most advanced status.
# The entities a request selects by account and local day ("day"; those without one: None).
INDEXED = ("messages", "calls", "opt_events", "leads", "deals", "contacts", "contact_labels",
           "campaigns")  # fmt: skip

STATUS_RANK = {
    "queued": 1, "sending": 2, "sent": 3, "canceled": 4, "undelivered": 5, "failed": 5,
    "received": 6, "delivered": 6, "read": 7,
}  # fmt: skip


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass
class World:
    """The staged rows of one warehouse, indexed, with the derived facts added to each row."""

    rows: dict[str, list[Row]]
    codes: CodeLists = field(default_factory=code_lists)

    def __post_init__(self) -> None:
        drop_cross_account_references(self.rows)
        r = self.rows
        self.accounts = {a["account_id"]: a for a in r["accounts"]}
        self.children: dict[str, list[str]] = defaultdict(list)
        for a in r["accounts"]:
            if a["parent_account_id"] in self.accounts:
                self.children[a["parent_account_id"]].append(a["account_id"])
        self.campaigns = {c["campaign_id"]: c for c in r["campaigns"]}
        self.users = {u["user_id"]: u for u in r["users"]}
        self.inboxes = {i["inbox_id"]: i for i in r["inboxes"]}
        self.phone_numbers = {p["phone_number_id"]: p for p in r["phone_numbers"]}
        self.labels = {lb["label_id"]: lb for lb in r["labels"]}
        self.enrollments = {e["enrollment_id"]: e for e in r["campaign_enrollments"]}
        self.messages = {m["message_id"]: m for m in r["messages"]}
        self.leads = {lead["lead_id"]: lead for lead in r["leads"]}
        self.calls = {c["call_id"]: c for c in r["calls"]}
        self._message_facts()
        self._inbound_facts()
        self._opt_event_facts()
        self._call_facts()
        self._other_days()
        self._index()

    # ------------------------------------------------------------------ time (ground rule 1)

    def local(self, ts: datetime, account_id: str) -> datetime:
        """``ts`` in the account's time zone (ground rule 1: days are local)."""
        return ts.astimezone(_zone(self.accounts[account_id]["time_zone"]))

    def day(self, ts: datetime | None, account_id: str) -> date | None:
        return None if ts is None else self.local(ts, account_id).date()

    def descendants(self, account_id: str) -> list[str]:
        """The account and all its descendants, any depth (ground rule 2: accounts roll up)."""
        out, todo = [], [account_id]
        while todo:
            current = todo.pop()
            out.append(current)
            todo.extend(self.children.get(current, []))
        return out

    # ------------------------------------------------------------------ messages

    def _message_facts(self) -> None:
        events: dict[str, list[Row]] = defaultdict(list)
        soft_bounced = set()  # messages with a soft-bounce event (one pass over the events)
        for e in self.rows["message_events"]:
            events[e["message_id"]].append(e)
            if (
                e["status"] in ("undelivered", "failed")
                and self.codes.error_outcome.get(str(e["error_code"])) == "soft_bounce"
            ):
                soft_bounced.add(e["message_id"])
        zones = {a: _zone(account["time_zone"]) for a, account in self.accounts.items()}
        for m in self.rows["messages"]:
            local = m["created_at"].astimezone(zones[m["account_id"]])  # ground rule 1
            m["day"], m["hour"] = local.date(), local.hour
            m["is_mms"] = (m["media_count"] or 0) > 0
            m["segments"] = self._segments(m)
            # kpi-spec "SMS segments and credits": SMS cost their segments, an MMS a flat cost.
            m["credits"] = MMS_CREDIT_COST if m["is_mms"] else m["segments"]
            final = self._final_event(events.get(m["message_id"], ()))
            m["final_status"] = final and final["status"]
            m["final_status_at"] = final and final["occurred_at"]
            m["final_error_code"] = final and final["error_code"]
            m["outcome"] = self._outcome(final) if m["direction"] == "outbound" else None
            m["is_canceled"] = m["outcome"] == "canceled"
            m["was_soft_bounced"] = m["message_id"] in soft_bounced
        # Outbound messages that reached the contact, per conversation (account x contact),
        # in time order: the base of attribution, replies and streaks.
        self.outbound_by_contact: dict[tuple[str, str], list[Row]] = defaultdict(list)
        self.by_contact: dict[tuple[str, str], list[Row]] = defaultdict(list)
        self.by_time = sorted(self.rows["messages"], key=itemgetter("created_at", "message_id"))
        for m in self.by_time:
            key = (m["account_id"], m["contact_id"])
            if m["direction"] == "outbound" and not m["is_canceled"]:
                self.outbound_by_contact[key].append(m)
            if not m["is_canceled"]:
                self.by_contact[key].append(m)

    @staticmethod
    def _segments(m: Row) -> int:
        # kpi-spec: a missing body takes the platform's num_segments; an empty body is 1. With
        # neither, the message still went out as at least one segment.
        if m["body"] is None:
            return 1 if m["num_segments"] is None else m["num_segments"]
        return segment_count(m["body"])

    @staticmethod
    def _final_event(events: list[Row]) -> Row | None:
        # kpi-spec "Message status": the latest event by occurred_at, ties: most advanced status.
        if len(events) < 2:  # most messages have one event or none: nothing to order
            return events[0] if events else None
        return max(events, key=lambda e: (e["occurred_at"], STATUS_RANK.get(e["status"], 0)))

    def _outcome(self, final: Row | None) -> str:
        # kpi-spec "Message status" table.
        status = final and final["status"]
        if status in ("delivered", "read"):
            return "delivered"
        if status in ("undelivered", "failed"):
            return self.codes.error_outcome.get(str(final["error_code"]), "other_failure")
        if status == "canceled":
            return "canceled"
        return "pending"

    # ------------------------------------------------------------------ inbound messages

    def _inbound_facts(self) -> None:
        self.enrollments_by_pair: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for e in sorted(self.enrollments.values(), key=lambda e: e["enrolled_at"]):
            self.enrollments_by_pair[(e["campaign_id"], e["contact_id"])].append(e)
        for m in self.rows["messages"]:
            if m["direction"] == "inbound":
                self._attribute(m)
                self._detect_opt_out(m)
            else:
                m["attributed_campaign_id"] = m["campaign_id"]
                m["attributed_template_id"] = m["template_id"]
                m["attributed_step_number"] = m["step_number"]
                m["attributed_enrollment_id"] = m["enrollment_id"]
                m["is_reply"] = False

    def latest_outbound_before(self, account_id, contact_id, ts, campaign_id=None) -> Row | None:
        """The latest outbound message to the contact strictly before ``ts`` (of one campaign
        when given)."""
        sent = self.outbound_by_contact.get((account_id, contact_id), [])
        i = bisect.bisect_left(sent, ts, key=lambda m: m["created_at"])
        for m in reversed(sent[:i]):
            if campaign_id is None or m["campaign_id"] == campaign_id:
                return m
        return None

    def enrollment_at(self, campaign_id, contact_id, ts) -> Row | None:
        """The contact's latest enrollment in the campaign that started at or before ``ts``
        (kpi-spec: an inbound message is never tied to an enrollment that starts after it)."""
        before = [
            e for e in self.enrollments_by_pair.get((campaign_id, contact_id), [])
            if e["enrolled_at"] <= ts
        ]  # fmt: skip
        return before[-1] if before else None

    def _attribute(self, m: Row) -> None:
        # kpi-spec "Attribution of an inbound message": the latest outbound message to the same
        # contact from the same account before it, within the window; the platform's
        # campaign_id wins when present.
        window = self.latest_outbound_before(m["account_id"], m["contact_id"], m["created_at"])
        if window and window["created_at"] < m["created_at"] - timedelta(
            days=ATTRIBUTION_WINDOW_DAYS
        ):
            window = None
        campaign = m["campaign_id"] or (window and window["campaign_id"])
        same = window if window and window["campaign_id"] == campaign else None
        m["attributed_campaign_id"] = campaign
        m["attributed_template_id"] = m["template_id"] or (same and same["template_id"])
        m["attributed_step_number"] = (
            m["step_number"] if m["step_number"] is not None else same and same["step_number"]
        )
        enrollment = m["enrollment_id"] or (same and same["enrollment_id"])
        if enrollment is None and campaign is not None:
            found = self.enrollment_at(campaign, m["contact_id"], m["created_at"])
            enrollment = found and found["enrollment_id"]
        # An enrollment that starts after the message cannot be its; one that never landed
        # is kept as named (nothing is known against it).
        known = self.enrollments.get(enrollment) if enrollment else None
        if known and known["enrolled_at"] > m["created_at"]:
            enrollment = None
        m["attributed_enrollment_id"] = enrollment
        # kpi-spec "What a reply is": an inbound message that follows an outbound message of
        # that campaign to that contact (a keyword opener precedes every message of its campaign).
        m["is_reply"] = campaign is not None and (
            self.latest_outbound_before(m["account_id"], m["contact_id"], m["created_at"], campaign)
            is not None
        )
        if not m["is_reply"]:
            # A message its campaign had not yet written to answers nothing: it names the
            # campaign but belongs to no campaign's selection, nor do a lead or an opt event
            # that point at it (the window does not re-credit it: the platform wins).
            for key in ("campaign_id", "template_id", "step_number", "enrollment_id"):
                m[f"attributed_{key}"] = None

    def _detect_opt_out(self, m: Row) -> None:
        # kpi-spec "Opt-outs": the whole body, trimmed and case-folded, is a keyword; opt-out
        # language is a phrase inside the body, published apart from keyword opt-outs.
        body = m["body"]
        lowered = None if body is None else body.translate({9: 32, 10: 32, 13: 32}).lower()
        kind = None if lowered is None else self.codes.opt_keywords.get(lowered.strip())
        m["is_keyword_opt_out"] = kind == "opt_out"
        m["has_opt_out_language"] = (
            lowered is not None
            and not m["is_keyword_opt_out"]
            and any(p in lowered for p in self.codes.opt_out_phrases)
        )
        m["is_opt_out_message"] = m["is_keyword_opt_out"] or m["has_opt_out_language"]

    # ------------------------------------------------------------------ opt events

    def _opt_event_facts(self) -> None:
        # kpi-spec "Opt-outs": an opt event belongs to a campaign when it names the campaign,
        # one of its enrollments, or a message attributed to it. It is one opt-out, so it
        # belongs to one campaign: the most specific link wins (the enrollment's campaign, else
        # the campaign it names, else the campaign of the message it answers), and the sums
        # over campaigns never count it twice. It opts out the enrollment it names, else the
        # message's, else the contact's enrollment in that campaign at the time.
        for o in self.rows["opt_events"]:
            o["day"] = self.day(o["occurred_at"], o["account_id"])
            message = self.messages.get(o["message_id"]) if o["message_id"] else None
            enrollment = self.enrollments.get(o["enrollment_id"]) if o["enrollment_id"] else None
            o["linked_message"] = message
            campaigns = [
                enrollment and enrollment["campaign_id"],
                o["campaign_id"],
                message and message["attributed_campaign_id"],
            ]
            o["linked"] = {}  # campaign -> enrollment id (or None)
            for campaign in [c for c in campaigns if c is not None][:1]:
                if enrollment and enrollment["campaign_id"] == campaign:
                    found = enrollment["enrollment_id"]
                elif message and message["attributed_campaign_id"] == campaign:
                    found = message["attributed_enrollment_id"]
                else:
                    found = None
                if found is None:
                    at = self.enrollment_at(campaign, o["contact_id"], o["occurred_at"])
                    found = at and at["enrollment_id"]
                o["linked"][campaign] = found

    # ------------------------------------------------------------------ calls

    def _call_facts(self) -> None:
        for c in self.rows["calls"]:
            c["day"] = self.day(c["started_at"], c["account_id"])
            # A call with a parent is a leg of that call (a transfer, a forward), not another
            # call: the spec counts calls, and its contract links legs by parent_call_id.
            c["is_leg"] = c["parent_call_id"] is not None
            # kpi-spec "Calling": talk time = ended_at - answered_at, fractional seconds kept;
            # unknown without ended_at.
            c["talk_seconds"] = (
                (c["ended_at"] - c["answered_at"]).total_seconds()
                if c["answered_at"] is not None and c["ended_at"] is not None
                else None
            )
            # The seed's outcomes by their recorded spellings; any other recorded text is one
            # outcome, `other`, so free text (it may name people) never becomes a report row.
            # The raw text stays in fct_calls.outcome_raw. No text recorded: no outcome.
            raw = (c["outcome"] or "").strip().lower()
            c["outcome_key"], c["outcome_label"] = (
                self.codes.call_outcomes.get(raw, ("other", "Other")) if raw else (None, None)
            )
        for lead in self.rows["leads"]:
            lead["day"] = self.day(lead["created_at"], lead["account_id"])
        for d in self.rows["deals"]:
            d["day"] = self.day(d["closed_at"], d["account_id"])

    def _other_days(self) -> None:
        # Local days of the other dated rows, computed once (ground rule 1).
        for c in self.rows["contacts"]:
            c["day"] = self.day(c["created_at"], c["account_id"])
        for c in self.rows["campaigns"]:
            c["created_day"] = self.day(c["created_at"], c["account_id"])
            c["launched_day"] = self.day(c["launched_at"], c["account_id"])
        # kpi-spec "Labels": an assignment is a label going on a contact that does not have it
        # (a repeated "added" is not a new one), in the order the events happened.
        has: set[tuple[str, str]] = set()
        labels = self.rows["contact_labels"]
        history = sorted(labels, key=lambda e: (e["occurred_at"], e["event_id"]))
        for e in history:
            key = (e["contact_id"], e["label_id"])
            e["is_assignment"] = e["action"] != "removed" and key not in has
            if e["action"] == "removed":
                has.discard(key)
            else:
                has.add(key)
            e["day"] = self.day(e["occurred_at"], e["account_id"])

    # ------------------------------------------------------------------ selection

    def _index(self) -> None:
        """Each account's rows by local day, as positions in the staged order, built once: a
        request then reads only its accounts' rows of its days, not the whole world."""
        self._positions: dict[str, dict[str, dict[date | None, list[int]]]] = {}
        for entity in INDEXED:
            index: dict[str, dict[date | None, list[int]]] = defaultdict(lambda: defaultdict(list))
            for i, row in enumerate(self.rows[entity]):
                index[row["account_id"]][row.get("day")].append(i)
            self._positions[entity] = index
        self.by_account_time: dict[str, list[Row]] = defaultdict(list)
        for m in self.by_time:
            self.by_account_time[m["account_id"]].append(m)
        self.contacts_by_key = {
            (c["account_id"], c["contact_id"]): c for c in self.rows["contacts"]
        }
        self.enrollments_by_campaign: dict[str, list[Row]] = defaultdict(list)
        for e in self.enrollments.values():
            self.enrollments_by_campaign[e["campaign_id"]].append(e)
        self.clicks_by_message: dict[str, list[Row]] = defaultdict(list)
        for click in self.rows["link_clicks"]:
            self.clicks_by_message[click["message_id"]].append(click)
        self.deals_by_lead: dict[str, list[Row]] = defaultdict(list)
        for d in self.rows["deals"]:
            self.deals_by_lead[d["lead_id"]].append(d)
        self._contact_keys: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in self.by_contact:
            self._contact_keys[key[0]].append(key)
        self._contact_position = {key: i for i, key in enumerate(self.by_contact)}
        self._selections: dict[tuple, list[Row]] = {}  # select()'s answers, built once each

    def contact_keys(self, account_ids) -> list[tuple[str, str]]:
        """The (account, contact) conversations of these accounts, in ``by_contact``'s order."""
        keys = [k for a in dict.fromkeys(account_ids) for k in self._contact_keys.get(a, ())]
        return sorted(keys, key=self._contact_position.__getitem__)

    def select(self, entity: str, account_ids, days=None) -> list[Row]:
        """The entity's rows of these accounts, in the staged order; with ``days`` (first, last:
        inclusive, None open), only the rows whose local day is known and inside them. A view
        asks for the same selection many times (per request, per period, per KPI group), so
        each is built once per world; callers get their own copy of the list."""
        accounts = tuple(dict.fromkeys(account_ids))
        key = (entity, accounts, None if days is None else tuple(days))
        if key not in self._selections:
            self._selections[key] = self._select(entity, accounts, days)
        return list(self._selections[key])

    def _select(self, entity: str, accounts: tuple[str, ...], days) -> list[Row]:
        index = self._positions[entity]
        first, last = days or (None, None)
        positions = []
        for account in accounts:
            for day, found in index.get(account, {}).items():
                if days is None or (
                    day is not None
                    and (first is None or day >= first)
                    and (last is None or day <= last)
                ):
                    positions.extend(found)
        rows = self.rows[entity]
        return [rows[i] for i in sorted(positions)]
