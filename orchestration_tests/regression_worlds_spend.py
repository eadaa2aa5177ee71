"""Fixed worlds for issue 13's views (spend per currency, the delivery-status breakdown, the
compare view), each the smallest world that shows a rule and the request that exercises it;
built in the differential tests' batch beside regression_worlds.py's, under ``rg_<name>_``.
"""

from __future__ import annotations

from datetime import timedelta

from regression_worlds import T0, Case, _base, _campaign, _msg, _prefixed, _templates


def _contact(cid: str) -> dict:
    return {"contact_id": cid, "account_id": "a0", "phone": f"555010{int(cid[1:]) + 2}",
            "created_at": T0 - timedelta(days=5)}  # fmt: skip


def _event(eid: str, mid: str, status: str, minutes: float, code: str | None = None) -> dict:
    at = T0 + timedelta(minutes=minutes)
    return {"event_id": eid, "message_id": mid, "status": status, "occurred_at": at,
            "error_code": code, "attempt": 1}  # fmt: skip


def _spend_rows() -> dict:
    rows = _base()
    rows["campaigns"] = _campaign("k0")
    rows["campaign_enrollments"] = [
        {"enrollment_id": "e0", "campaign_id": "k0", "contact_id": "c0", "enrolled_at": T0}
    ]
    rows["messages"] = [
        _msg("m0", "outbound", 1, campaign_id="k0", enrollment_id="e0", step_number=1,
             price="-0.0079", price_unit="USD"),
        _msg("m1", "inbound", 5, body="tell me more", price="-0.0158", price_unit="usd"),
        _msg("m2", "outbound", 9, send_type="manual", price="-0.0100", price_unit="EUR"),
        _msg("m3", "outbound", 12, campaign_id="k0", enrollment_id="e0", step_number=2),
        _msg("m4", "outbound", 15, send_type="manual", price="0.0079", price_unit="USD"),
        _msg("m5", "inbound", 20, body="ok", price="-0.0079"),
    ]  # fmt: skip
    return rows


def spend_per_currency_in_campaign() -> Case:
    """Spend = -price per currency, never across currencies; the reply (attributed to k0) counts
    under k0; a refund lowers spend; an unpriced message is counted, not priced at 0."""
    return Case(
        "spend_per_currency_in_campaign",
        "issue 13: spend per campaign, currency kept, missing price is null not 0",
        {"view": "messaging", "account_id": "a0", "date_range": "all_time",
         "campaign_ids": ["k0"]},
        _spend_rows(),
    )  # fmt: skip


def spend_per_currency_in_usage() -> Case:
    """The usage view's spend: every message of the account, a price without a currency in
    the currency-less row beside the unpriced ones."""
    return Case(
        "spend_per_currency_in_usage",
        "issue 13: spend in the usage view, one row per currency",
        {"view": "usage", "account_id": "a0", "date_range": "all_time"},
        _spend_rows(),
    )


def delivery_status_error_codes() -> Case:
    """Each outbound message once under its final status; a code the seed lists has its
    meaning, an unknown one (30010) none; no callback yet is a status of its own."""
    rows = _base()
    rows["messages"] = [_msg(f"m{i}", "outbound", i) for i in range(5)]
    rows["message_events"] = [
        _event("v0", "m0", "sent", 1.1), _event("v1", "m0", "undelivered", 1.5, "30007"),
        _event("v2", "m1", "failed", 2.5, "30010"), _event("v3", "m2", "delivered", 3.5),
        _event("v4", "m4", "canceled", 4.1),
    ]  # fmt: skip
    return Case(
        "delivery_status_error_codes",
        "issue 13: messages per final status and error code, with the seed's meaning",
        {"view": "delivery-status", "account_id": "a0", "date_range": "all_time",
         "tracker": "p0"},
        rows,
    )  # fmt: skip


def compare_two_campaigns() -> Case:
    """Two campaigns side by side: k0 delivered and replied to, k1 carrier-blocked; the
    intervals and whether they overlap."""
    rows = _base()
    rows["contacts"].append(_contact("c1"))
    rows["campaigns"] = _campaign("k0") + _campaign("k1")
    rows["campaign_enrollments"] = [
        {"enrollment_id": "e0", "campaign_id": "k0", "contact_id": "c0", "enrolled_at": T0},
        {"enrollment_id": "e1", "campaign_id": "k1", "contact_id": "c1", "enrolled_at": T0},
    ]
    rows["messages"] = [
        _msg("m0", "outbound", 1, campaign_id="k0", enrollment_id="e0", step_number=1),
        _msg("m1", "outbound", 2, contact_id="c1", campaign_id="k1", enrollment_id="e1",
             step_number=1),
        _msg("m2", "inbound", 30, body="yes please"),
    ]  # fmt: skip
    rows["message_events"] = [
        _event("v0", "m0", "delivered", 1.5), _event("v1", "m1", "undelivered", 2.5, "30007"),
    ]  # fmt: skip
    return Case(
        "compare_two_campaigns",
        "issue 13: compare view, Wilson 95 % intervals and overlap per rate",
        {"view": "compare", "account_id": "a0", "campaign_ids": ["k0", "k1"]},
        rows,
    )


def compare_templates_unlaunched_campaign() -> Case:
    """Templates side by side: a template's reply rate takes the campaigns launched (ever,
    as of now); t1 sent only by a campaign never launched has enrolled_contacts 0."""
    rows = _base()
    rows["contacts"].append(_contact("c1"))
    rows["templates"] = _templates("t0", "t1")
    rows["campaigns"] = [*_campaign("k0"), {**_campaign("d0")[0], "launched_at": None}]
    rows["campaign_enrollments"] = [
        {"enrollment_id": "e0", "campaign_id": "k0", "contact_id": "c0", "enrolled_at": T0},
        {"enrollment_id": "e1", "campaign_id": "d0", "contact_id": "c1", "enrolled_at": T0},
    ]
    rows["messages"] = [
        _msg("m0", "outbound", 1, campaign_id="k0", enrollment_id="e0", step_number=1,
             template_id="t0"),
        _msg("m1", "outbound", 2, contact_id="c1", campaign_id="d0", enrollment_id="e1",
             step_number=1, template_id="t1"),
        _msg("m2", "inbound", 30, body="yes"),
        _msg("m3", "inbound", 31, contact_id="c1", body="sure"),
    ]  # fmt: skip
    return Case(
        "compare_templates_unlaunched_campaign",
        "issue 13: compare view per template, the reply rate's launched campaigns",
        {"view": "compare", "account_id": "a0", "template_ids": ["t0", "t1"]},
        rows,
    )


def _prefixed_all(case: Case) -> Case:
    """regression_worlds' prefixing, and the tracker's (an ID of the world too)."""
    prefixed = _prefixed(case)
    if "tracker" in case.request:
        prefixed.request["tracker"] = f"rg_{case.name}_{case.request['tracker']}"
    return prefixed


CASES = [
    _prefixed_all(make())
    for make in (
        spend_per_currency_in_campaign, spend_per_currency_in_usage,
        delivery_status_error_codes, compare_two_campaigns,
        compare_templates_unlaunched_campaign,
    )
]  # fmt: skip


def worlds() -> dict[str, dict[str, list[dict]]]:
    return {f"rg_{case.name}_": case.rows for case in CASES}
