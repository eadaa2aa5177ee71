"""The compliance audit and the carrier-block anomaly flags, from the rules' text (README
"Compliance audit and anomaly alerts"), over the staged rows: never from the SQL.

Compliance: an outbound message that was sent (not canceled) breaks
- sent_after_opt_out: when the contact's latest opt event with the account strictly before it
  is an opt-out (an opt-in at the same instant counts as later) and it comes more than the
  confirmation window after that opt-out. Opt events are the platform's and those an inbound
  message carries (a whole-body keyword, or opt-out language; kpi-spec "Opt-outs"); a platform
  event naming the message of the same direction is that message's event, not a second one;
- sent_in_quiet_hours: when its wall-clock time in the recipient's zone (the area code's of a
  +1 phone, else the account's) is at or after the start or before the end;
- sent_to_suppressed_contact: when it was sent at or after the contact's third hard bounce.

Anomalies: per account, each template and tracking number sending on the account's last local
day, that day's carrier-blocked count x of n sent against the trailing baseline's, smoothed
p0 = (blocked + 1) / (sent + 2); z = (x - n p0) / sqrt(n p0 (1 - p0)); flagged when n and the
baseline's sent reach their minimums and z reaches the threshold.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from orchestration.reference.facts import World
from orchestration.reference.scope import Scope
from orchestration.reference.staged import SEEDS, Row

# dbt vars (dbt_project.yml), restated
QUIET_START, QUIET_END = time(21, 0), time(8, 0)
OPT_OUT_CONFIRMATION_SECONDS = 300
BASELINE_DAYS, MIN_DAY_MESSAGES, MIN_BASELINE_MESSAGES, Z_THRESHOLD = 14, 20, 100, 3.0
RULE_KEYS = {  # rule -> the view's count of it
    "sent_after_opt_out": "violations_after_opt_out",
    "sent_in_quiet_hours": "violations_in_quiet_hours",
    "sent_to_suppressed_contact": "violations_to_suppressed_contacts",
}


def _area_code_zones() -> dict[str, str]:
    with open(SEEDS / "nanp_area_code_time_zones.csv", newline="", encoding="utf-8") as handle:
        return {r["area_code"]: r["time_zone"] for r in csv.DictReader(handle)}


def _sent(w: World) -> list[Row]:
    return [m for m in w.by_time if m["direction"] == "outbound" and m["outcome"] != "canceled"]


def _opt_events(w: World) -> dict[tuple[str, str], list[dict]]:
    """Every opt event per (account, contact): (time, direction, platform id, message, method)."""
    events = defaultdict(list)
    named = set()
    for o in w.rows["opt_events"]:
        events[(o["account_id"], o["contact_id"])].append(
            (o["occurred_at"], o["direction"], o["opt_event_id"], o["message_id"], o["method"])
        )
        named.add((o["message_id"], o["direction"]))
    for m in w.rows["messages"]:
        if m["direction"] != "inbound":
            continue
        body = (m["body"] or "").translate({9: 32, 10: 32, 13: 32}).lower().strip()
        if m["is_opt_out_message"]:
            direction = "opt_out"
            method = "opt_out_language" if m["has_opt_out_language"] else "keyword"
        elif m["body"] is not None and w.codes.opt_keywords.get(body) == "opt_in":
            direction, method = "opt_in", "keyword"
        else:
            continue
        if (m["message_id"], direction) not in named:
            events[(m["account_id"], m["contact_id"])].append(
                (m["created_at"], direction, None, m["message_id"], method)
            )
    return events


def _latest_before(events: list[tuple], ts) -> tuple | None:
    # latest first; at one instant an opt-in is the later; then the greater ids
    before = [e for e in events if e[0] < ts]
    if not before:
        return None
    return max(before, key=lambda e: (e[0], e[1] == "opt_in", e[2] or "", e[3] or ""))


def _third_bounces(w: World) -> dict[tuple[str, str], object]:
    bounces = defaultdict(list)
    for m in w.rows["messages"]:
        if m["direction"] == "outbound" and m["outcome"] == "hard_bounce":
            bounces[(m["account_id"], m["contact_id"])].append(m["final_status_at"])
    return {k: sorted(v)[2] for k, v in bounces.items() if len(v) >= 3}


def _recipient_zone(w: World, m: Row, contacts: dict, zones: dict) -> tuple[str, str]:
    phone = (contacts.get((m["account_id"], m["contact_id"])) or {}).get("phone") or ""
    if phone.startswith("+1") and len(phone) == 12 and phone[2:5] in zones:
        return zones[phone[2:5]], "area_code"
    return w.accounts[m["account_id"]]["time_zone"], "account"


def _quiet(local: time) -> bool:
    if QUIET_START > QUIET_END:
        return local >= QUIET_START or local < QUIET_END
    return QUIET_START <= local < QUIET_END


def violations(w: World) -> list[dict]:
    """Every violation of the three rules, one row per message and rule broken."""
    events, suppressed_from = _opt_events(w), _third_bounces(w)
    contacts = {(c["account_id"], c["contact_id"]): c for c in w.rows["contacts"]}
    zones = _area_code_zones()
    out = []
    for m in _sent(w):
        key, at = (m["account_id"], m["contact_id"]), m["created_at"]
        base = {"message_id": m["message_id"], "account_id": key[0], "contact_id": key[1],
                "sent_at": at.replace(tzinfo=None), "day": m["day"]}  # fmt: skip
        latest = _latest_before(events.get(key, []), at)
        if (
            latest is not None
            and latest[1] == "opt_out"
            and (at - latest[0]).total_seconds() > OPT_OUT_CONFIRMATION_SECONDS
        ):
            out.append({**base, "rule": "sent_after_opt_out", "opt_out_event_id": latest[2],
                        "opt_out_message_id": latest[3], "opt_out_method": latest[4],
                        "opted_out_at": latest[0].replace(tzinfo=None)})  # fmt: skip
        zone, source = _recipient_zone(w, m, contacts, zones)
        local = at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        if _quiet(local.time()):
            out.append({**base, "rule": "sent_in_quiet_hours", "recipient_local_sent_at": local,
                        "recipient_time_zone": zone, "time_zone_source": source})  # fmt: skip
        if key in suppressed_from and at >= suppressed_from[key]:
            out.append({**base, "rule": "sent_to_suppressed_contact",
                        "suppressed_at": suppressed_from[key].replace(tzinfo=None)})  # fmt: skip
    return out


def _once(w: World, compute):
    # Every request over one world reads the same rows: computed once per world.
    cache = w.__dict__.setdefault("_compliance_rows", {})
    if compute.__name__ not in cache:
        cache[compute.__name__] = compute(w)
    return cache[compute.__name__]


def violations_by_account(w: World) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for v in violations(w):
        out[v["account_id"]].append(v)
    return out


def compliance(w: World, s: Scope):
    """The compliance view: violations of the account scope sent on a local day in range."""
    rows = []
    found = _once(w, violations_by_account)
    for v in (v for account_id in dict.fromkeys(s.account_ids) for v in found[account_id]):
        if s.dated(v["day"]):
            row = {k: v.get(k) for k in REPORT_COLUMNS}
            rows.append(row)
    rows.sort(key=lambda r: (r["sent_at"], r["message_id"], r["rule"]))
    kpis = {"compliance_violations": len(rows)}
    kpis.update({key: sum(r["rule"] == rule for r in rows) for rule, key in RULE_KEYS.items()})
    return kpis, rows, {}


REPORT_COLUMNS = (
    "message_id", "rule", "account_id", "contact_id", "sent_at", "opt_out_event_id",
    "opt_out_message_id", "opt_out_method", "opted_out_at", "recipient_local_sent_at",
    "recipient_time_zone", "time_zone_source", "suppressed_at",
)  # fmt: skip


def anomaly_rows(w: World) -> list[dict]:
    """Each template and tracking number of each account on its last day, with its score."""
    daily = defaultdict(lambda: [0, 0])  # (account, dimension, id, day) -> [sent, blocked]
    last_day = {}
    for m in _sent(w):
        last_day[m["account_id"]] = max(last_day.get(m["account_id"], m["day"]), m["day"])
        for dimension, ident in (("template", m["template_id"]),
                                 ("tracking_number", m["phone_number_id"])):  # fmt: skip
            if ident is not None:
                cell = daily[(m["account_id"], dimension, ident, m["day"])]
                cell[0] += 1
                cell[1] += m["outcome"] == "carrier_blocked"
    names = {("template", t["template_id"]): t["template_name"] for t in w.rows["templates"]}
    names.update({("tracking_number", p): n["e164"] for p, n in w.phone_numbers.items()})
    out = []
    for (account, dimension, ident, day), (sent, blocked) in daily.items():
        if day != last_day[account]:
            continue
        window = [day - timedelta(days=k) for k in range(1, BASELINE_DAYS + 1)]
        cells = [daily.get((account, dimension, ident, d), [0, 0]) for d in window]
        base_sent, base_blocked = sum(c[0] for c in cells), sum(c[1] for c in cells)
        p0 = (base_blocked + 1) / (base_sent + 2)
        z = (blocked - sent * p0) / math.sqrt(sent * p0 * (1 - p0))
        out.append({
            "account_id": account, "dimension": dimension, "dimension_id": ident,
            "dimension_name": names.get((dimension, ident)), "date_day": day,
            "messages_sent": sent, "carrier_blocked_messages": blocked,
            "carrier_block_rate": blocked / sent, "baseline_messages_sent": base_sent,
            "baseline_carrier_blocked_messages": base_blocked, "z_score": z,
            "is_anomaly": sent >= MIN_DAY_MESSAGES and base_sent >= MIN_BASELINE_MESSAGES
            and z >= Z_THRESHOLD,
        })  # fmt: skip
    return out


def carrier_block_anomalies(w: World, s: Scope):
    """The anomalies view (as of each account's last day): every template and number scored,
    flagged ones first."""
    rows = [r for r in _once(w, anomaly_rows) if r["account_id"] in s.account_ids]
    rows.sort(key=lambda r: (not r["is_anomaly"], -r["z_score"], r["account_id"],
                             r["dimension"], r["dimension_id"]))  # fmt: skip
    flagged = [r for r in rows if r["is_anomaly"]]
    kpis = {
        "flagged_templates": sum(r["dimension"] == "template" for r in flagged),
        "flagged_tracking_numbers": sum(r["dimension"] == "tracking_number" for r in flagged),
    }
    return kpis, rows, {}
