"""Fixed worlds for the compliance audit and the carrier-block anomalies (README "Compliance
audit and anomaly alerts"): the cases a random world rarely draws, each with the request that
shows it. Built in the same batch as regression_worlds.py (test_differential.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from regression_worlds import T0, Case, _base, _msg, _prefixed

NEW_YORK_PHONE = "+12125550101"  # area code 212: America/New_York


def _opt(oid: str, direction: str, at: datetime, method: str = "keyword") -> dict:
    return {"opt_event_id": oid, "account_id": "a0", "contact_id": "c0", "direction": direction,
            "method": method, "occurred_at": at}  # fmt: skip


def opt_out_opt_in_re_opt_out() -> Case:
    """An opt-out's confirmation (2 minutes later) is allowed, a send an hour later is not; an
    opt-in clears it; a STOP only detected from the message opts out again; an opt-out and an
    opt-in at one instant leave the contact opted in."""
    rows = _base()
    rows["contacts"][0]["phone"] = NEW_YORK_PHONE  # 11:00-ish in New York: never quiet
    day = timedelta(days=1)
    rows["messages"] = [
        _msg("m1", "outbound", 12, send_type="automation"),
        _msg("m2", "outbound", 60, send_type="manual"),
        _msg("m3", "outbound", 60 * 25, send_type="manual"),
        _msg("m4", "inbound", 60 * 48, body="STOP"),
        _msg("m5", "outbound", 60 * 49, send_type="manual"),
        _msg("m6", "outbound", 60 * 73, send_type="manual"),
    ]
    rows["opt_events"] = [
        _opt("o1", "opt_out", T0 + timedelta(minutes=10)),
        _opt("o2", "opt_in", T0 + day),
        _opt("o3", "opt_out", T0 + 3 * day, "manual"),
        _opt("o4", "opt_in", T0 + 3 * day, "import"),
    ]
    return Case(
        "opt_out_opt_in_re_opt_out",
        "compliance: sent after the latest opt event was an opt-out, confirmation excepted",
        {"view": "compliance", "account_id": "a0", "date_range": "all_time"},
        rows,
    )


def quiet_hours_across_dst() -> Case:
    """New York falls back on 2026-11-01 at 06:00 UTC: 12:30 UTC is 07:30 EST (quiet) that day
    and 08:30 EDT the day before; a toll-free contact is judged in the account's Los Angeles
    zone (05:30 UTC on 11-02 = 21:30 PST, quiet)."""
    rows = _base("America/Los_Angeles")
    rows["contacts"][0]["phone"] = NEW_YORK_PHONE
    rows["contacts"].append({"contact_id": "c1", "account_id": "a0", "phone": "+18005550100",
                             "created_at": T0 - timedelta(days=5)})  # fmt: skip
    instants = [("m0", "c0", datetime(2026, 10, 31, 12, 30)),
                ("m1", "c0", datetime(2026, 11, 1, 12, 30)),
                ("m2", "c1", datetime(2026, 11, 2, 5, 30)),
                ("m3", "c1", datetime(2026, 11, 2, 3, 30))]  # fmt: skip
    rows["messages"] = [
        _msg(mid, "outbound", 0, contact_id=contact, created_at=at.replace(tzinfo=UTC))
        for mid, contact, at in instants
    ]
    return Case(
        "quiet_hours_across_dst",
        "compliance: quiet hours in the recipient's local time, DST included",
        {"view": "compliance", "account_id": "a0", "date_range": ("2026-10-30", "2026-11-02")},
        rows,
    )


def sends_to_suppressed_contact() -> Case:
    """Three hard bounces suppress the contact at the third's final status; a send before it is
    fine, the sends after it are not."""
    rows = _base()
    rows["contacts"][0]["phone"] = NEW_YORK_PHONE
    rows["messages"] = [_msg(f"m{k}", "outbound", 60 * k, send_type="manual") for k in range(6)]
    rows["message_events"] = [
        {"event_id": f"ev{k}", "message_id": f"m{k}", "status": "undelivered",
         "occurred_at": T0 + timedelta(minutes=60 * k + 5), "error_code": "30005"}
        for k in range(3)
    ]  # fmt: skip
    return Case(
        "sends_to_suppressed_contact",
        "compliance: sent at or after the contact's third hard bounce",
        {"view": "compliance", "account_id": "a0", "date_range": "all_time"},
        rows,
    )


def carrier_block_spike() -> Case:
    """Ten clean sends a day for 14 days, then 24 on the last day of which 9 are blocked:
    the template and its number are flagged (z far above 3)."""
    rows = _base()
    rows["contacts"][0]["phone"] = NEW_YORK_PHONE
    rows["templates"] = [{"template_id": "t0", "account_id": "a0", "name": "Offer"}]
    last = T0 + timedelta(days=14)
    sends = [(T0 + timedelta(days=d, minutes=k), False) for d in range(14) for k in range(10)]
    sends += [(last + timedelta(minutes=k), k < 9) for k in range(24)]
    rows["messages"] = [
        _msg(f"m{k}", "outbound", 0, created_at=at, template_id="t0")
        for k, (at, _) in enumerate(sends)
    ]
    rows["message_events"] = [
        {"event_id": f"ev{k}", "message_id": f"m{k}", "status": "undelivered" if blocked
         else "delivered", "occurred_at": at + timedelta(seconds=30),
         "error_code": "30007" if blocked else None}
        for k, (at, blocked) in enumerate(sends)
    ]  # fmt: skip
    return Case(
        "carrier_block_spike",
        "anomalies: one-sided z-test of the last day against the trailing 14 days",
        {"view": "carrier-block-anomalies", "account_id": "a0"},
        rows,
    )


CASES = [
    _prefixed(make())
    for make in (
        opt_out_opt_in_re_opt_out,
        quiet_hours_across_dst,
        sends_to_suppressed_contact,
        carrier_block_spike,
    )
]


def worlds() -> dict[str, dict[str, list[dict]]]:
    return {f"rg_{case.name}_": case.rows for case in CASES}
