"""The reference implementation on the spec's own worked examples, in memory (no warehouse).

Rows are shaped as the staged tables hold them: every contract column (None when not given),
with the staging renames (``name`` -> ``<entity>_name``).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.landing.contract import ENTITIES
from orchestration.reference.facts import World
from orchestration.reference.rate_intervals import wilson
from orchestration.reference.report import reference_report
from orchestration.reference.segments import segment_count
from orchestration.reference.staged import NOT_READ

T0 = datetime(2026, 10, 10, 15, 0, tzinfo=UTC)
RENAMED = {"accounts": "account_name", "campaigns": "campaign_name", "templates": "template_name",
           "labels": "label_name", "inboxes": "inbox_name"}  # fmt: skip


def world(**given: list[dict]) -> World:
    rows = {}
    for entity, spec in ENTITIES.items():
        columns = [RENAMED.get(entity, c) if c == "name" else c for c in spec.columns]
        rows[entity] = [dict.fromkeys(columns) | row for row in given.get(entity, [])]
    for m in rows["messages"]:
        m["media_count"] = m["media_count"] or 0
    return World(rows)


def account(time_zone="UTC", **more) -> dict:
    return {"account_id": "a0", "time_zone": time_zone, "created_at": T0 - timedelta(days=60),
            **more}  # fmt: skip


def message(mid, direction, minutes, **more) -> dict:
    return {"message_id": mid, "account_id": "a0", "contact_id": "c0", "direction": direction,
            "created_at": T0 + timedelta(minutes=minutes), "body": "ok", **more}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "segments"),
    [("", 1), ("a" * 160, 1), ("a" * 161, 2), ("€" * 80, 1), ("€" * 81, 2), ("é" * 70, 1),
     ("ç" * 70, 1), ("ç" * 71, 2), ("👍🏽" * 17, 1), ("👍🏽" * 18, 2)],
)  # fmt: skip
def test_segments_follow_the_spec(body: str, segments: int) -> None:
    assert segment_count(body) == segments


def test_campaign_box_worked_examples() -> None:
    """Reply % 3 / 8 = 37.5 %; 13 enrollments and 2 active senders show 1 : 6."""
    contacts = [f"c{i}" for i in range(13)]
    enrollments = [{"enrollment_id": f"e{i}", "campaign_id": "k0", "contact_id": c,
                    "enrolled_at": T0} for i, c in enumerate(contacts)]  # fmt: skip
    sent = [
        message(
            f"o{i}",
            "outbound",
            1,
            contact_id=c,
            campaign_id="k0",
            enrollment_id=f"e{i}",
            step_number=1,
        )
        for i, c in enumerate(contacts[:8])
    ]
    replies = [message(f"i{i}", "inbound", 5, contact_id=c) for c in contacts[:3]
               for i in [contacts.index(c)]]  # fmt: skip
    users = [{"user_id": u, "account_id": "a0"} for u in ("u0", "u1", "u2")]
    users[2]["deactivated_at"] = T0
    senders = [{"campaign_id": "k0", "user_id": u, "added_at": T0} for u in ("u0", "u1", "u2")]
    w = world(
        accounts=[account()], users=users, campaign_senders=senders,
        campaigns=[{"campaign_id": "k0", "account_id": "a0", "campaign_type": "standard",
                    "created_at": T0, "launched_at": T0}],
        campaign_steps=[{"campaign_id": "k0", "step_number": 1}],
        campaign_enrollments=enrollments, messages=sent + replies,
    )  # fmt: skip
    kpis = reference_report(w, "campaign-box", "a0")["kpis"]
    assert (kpis["replies"], kpis["initials_sent"], kpis["reply_rate"]) == (3, 8, 0.375)
    assert (kpis["active_senders"], kpis["enrollments_per_sender"]) == (2, 6)


def test_keyword_opener_is_not_a_reply_and_reply_rate_takes_one_selection() -> None:
    w = world(
        accounts=[account()],
        campaigns=[{"campaign_id": "k0", "account_id": "a0", "campaign_type": "keyword",
                    "created_at": T0, "launched_at": T0}],
        campaign_enrollments=[{"enrollment_id": "e0", "campaign_id": "k0", "contact_id": "c0",
                               "enrolled_at": T0 + timedelta(minutes=1)}],
        messages=[message("m0", "inbound", 0.5, body="JOIN", campaign_id="k0"),
                  message("m1", "outbound", 2, campaign_id="k0", enrollment_id="e0",
                          step_number=1, send_type="keyword_reply"),
                  message("m2", "inbound", 3, body="thanks")],
    )  # fmt: skip
    kpis = reference_report(w, "messaging", "a0", date_range="all_time")["kpis"]
    assert (kpis["replied_contacts"], kpis["enrolled_contacts"]) == (1, 1)  # m2, not m0
    first = w.messages["m0"]
    assert not first["is_reply"] and w.messages["m2"]["is_reply"]


def test_local_days_on_the_dst_day_and_streak_medians() -> None:
    w = world(
        accounts=[account("America/New_York")],
        messages=[
            message("m0", "inbound", 0, created_at=datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
            message("m1", "outbound", 0, send_type="manual",
                    created_at=datetime(2026, 11, 1, 5, 30, 10, 500000, tzinfo=UTC)),
            message("m2", "inbound", 0, created_at=datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
            message("m3", "inbound", 0, created_at=datetime(2026, 11, 1, 6, 31, tzinfo=UTC)),
            message("m4", "outbound", 0, send_type="automation",
                    created_at=datetime(2026, 11, 1, 6, 32, tzinfo=UTC)),
            message("m5", "outbound", 0, send_type="manual",
                    created_at=datetime(2026, 11, 1, 6, 30, 30, tzinfo=UTC) + timedelta(minutes=5)),
            message("m6", "inbound", 0, created_at=datetime(2026, 11, 2, 4, 59, tzinfo=UTC)),
        ],
    )  # fmt: skip
    assert {m["day"] for m in w.rows["messages"]} == {date(2026, 11, 1)}  # 25-hour day
    kpis = reference_report(w, "messaging", "a0", date_range=("2026-11-01", "2026-11-01"))["kpis"]
    # streaks: m0 answered after 10.5 s, m2 after 330 s (m3 continues it, m4 is automated),
    # m6 never: median of the two = their mean.
    assert kpis["responses_measured"] == 2 and kpis["unanswered_streaks"] == 1
    assert kpis["median_response_seconds"] == pytest.approx((10.5 + 330) / 2)


def test_a_reference_to_another_accounts_campaign_is_dropped() -> None:
    w = world(
        accounts=[account(), {"account_id": "a1", "parent_account_id": "a0",
                              "time_zone": "UTC", "created_at": T0}],
        campaigns=[{"campaign_id": "k0", "account_id": "a0", "campaign_type": "standard",
                    "created_at": T0, "launched_at": T0}],
        messages=[message("m0", "inbound", 0, account_id="a1", campaign_id="k0", body="STOP")],
    )  # fmt: skip
    assert w.messages["m0"]["campaign_id"] is None
    kpis = reference_report(w, "messaging", "a0", include_sub_accounts=True,
                            date_range="all_time", campaign_ids=["k0"])["kpis"]  # fmt: skip
    assert kpis["replies_received"] == 0 and kpis["opt_out_messages"] == 0


def test_credits_without_allowance_leave_remaining_null() -> None:
    w = world(
        accounts=[account(billing_cycle_anchor_day=31, monthly_credit_allowance=None)],
        messages=[message("m0", "outbound", 0, body=None, num_segments=3),
                  message("m1", "inbound", 1, media_count=2)],
    )  # fmt: skip
    report = reference_report(w, "credits", "a0", date_range="all_time", today=T0.date())
    assert report["kpis"]["credits_used"] == 3 + 3  # withheld body: platform segments; MMS 3
    assert report["kpis"]["credits_remaining"] is None
    current = [p for p in report["rows"] if p["is_current_period"]]
    assert [(p["period_start"], p["period_end"]) for p in current] == [("2026-09-30", "2026-10-30")]


def test_each_account_bills_through_its_own_local_today() -> None:
    """A sub-account east of its parent is already a day ahead: its billing period runs through
    its own local today (periods are in local time), not the viewer's. At 02:00 UTC Chicago is on
    9 Oct and London on 10 Oct, so London's period has 10 elapsed days and Chicago's 9."""
    now = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
    w = world(
        accounts=[account("America/Chicago", billing_cycle_anchor_day=1),
                  account("Europe/London", account_id="a1", parent_account_id="a0",
                          billing_cycle_anchor_day=1)],
        messages=[message("m0", "outbound", -840, account_id="a1", num_segments=1, body="x" * 170)],
    )  # fmt: skip
    report = reference_report(
        w, "credits", "a0", include_sub_accounts=True, date_range="all_time", now=now
    )
    assert report["today"] == "2026-10-09"
    current = {p["account_id"]: p for p in report["rows"] if p["is_current_period"]}
    assert {a: p["elapsed_days"] for a, p in current.items()} == {"a0": 9, "a1": 10}
    assert current["a1"]["credits_projected"] == 2 / 10 * 31  # 170 GSM-7 characters: 2 segments
    assert report["kpis"]["credits_projected"] == 2 / 10 * 31


# Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score interval
# without continuity correction), to the 4 decimals published there.
@pytest.mark.parametrize(
    ("successes", "trials", "lower", "upper"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718)],
)  # fmt: skip
def test_wilson_interval_matches_the_published_examples(successes, trials, lower, upper) -> None:
    low, high = wilson(successes, trials)
    assert (round(low, 4), round(high, 4)) == (lower, upper)
    assert wilson(0, 0) == (None, None)


def test_spend_is_minus_price_per_currency_and_a_missing_price_is_not_zero() -> None:
    # Charges of 0.0079 and 0.0158 USD and a refund of 0.0079 USD: 0.0158 USD over 3 priced
    # messages; 0.0100 EUR apart; one message without a price (counted, not priced at 0) and
    # one with a price but no currency, in the currency-less row.
    w = world(
        accounts=[account()],
        messages=[
            message("m0", "outbound", 1, price=Decimal("-0.0079"), price_unit="USD"),
            message("m1", "outbound", 2, price=Decimal("-0.0158"), price_unit="USD"),
            message("m2", "outbound", 3, price=Decimal("0.0079"), price_unit="USD"),
            message("m3", "inbound", 4, price=Decimal("-0.0100"), price_unit="EUR"),
            message("m4", "outbound", 5),
            message("m5", "outbound", 6, price=Decimal("-0.0079")),
        ],
    )
    got = reference_report(w, "usage", "a0", date_range="all_time", today=T0.date())
    rows = {r["price_unit"]: r for r in got["sections"]["spend_by_currency"]}
    assert rows["USD"]["spend"] == pytest.approx(0.0158)
    assert rows["USD"]["priced_messages"] == 3 and rows["USD"]["unpriced_messages"] == 0
    assert rows["USD"]["spend_per_priced_message"] == pytest.approx(0.0158 / 3)
    assert rows["EUR"]["spend"] == pytest.approx(0.0100)
    assert rows[None] == {"price_unit": None, "priced_messages": 1, "unpriced_messages": 1,
                          "spend": pytest.approx(0.0079),
                          "spend_per_priced_message": pytest.approx(0.0079)}  # fmt: skip


def test_no_rule_names_a_column_the_reader_skips() -> None:
    """read_staged leaves NOT_READ out; a rule that reads one of them must take it off the list
    (or it would see a KeyError only on the data that reaches that rule)."""
    package = Path(__file__).resolve().parents[1] / "orchestration" / "reference"
    source = "".join(p.read_text() for p in package.glob("*.py") if p.name != "staged.py")
    named = [
        f"{entity}.{column}"
        for entity, columns in NOT_READ.items()
        for column in columns
        if f'"{column}"' in source or f"'{column}'" in source
    ]
    assert not named, f"NOT_READ columns the reference reads: {named}"
    assert set(NOT_READ) <= set(ENTITIES)
