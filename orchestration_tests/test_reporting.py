"""The reporting API, CLI and exports on the session's small generated warehouse (conftest).

Set REPORTING_TEST_WAREHOUSE to an already refreshed DuckDB file (generated with the same seed,
scale and end date as conftest's) to skip the build while developing.
"""

import csv
import json
import os
import statistics
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from openpyxl import load_workbook

from orchestration import warehouse_connection
from orchestration.cli import main as cli_main
from orchestration.kpi_registry import REGISTRY
from orchestration.kpi_registry.definitions import RATIOS
from orchestration.reporting.access import allowed_accounts, resolve_account
from orchestration.reporting.api import KPI_KEYS, VIEWS, report
from orchestration.reporting.dates import InvalidDateRange, local_today, resolve_range
from orchestration.reporting.exports import (
    campaign_export,
    contact_list,
    export_campaign,
    export_contacts,
    export_report,
)
from orchestration.reporting.source import ReportError, UnknownFilterValue
from orchestration.reporting.views import messaging as messaging_view

END_DATE = date(2026, 11, 20)  # the session warehouse's last day (conftest.END_DATE)
TODAY = END_DATE  # "today" pinned for every preset
RANGE = (END_DATE - timedelta(days=20), END_DATE - timedelta(days=6))

# The KPI keys of kpi-spec.md per view, typed here independently of the API's own list.
SPEC_KEYS = {
    "messaging": {
        "campaigns_created", "standard_campaigns_created", "keyword_campaigns_created",
        "sms_sent", "sms_segments_sent", "carrier_block_rate", "carrier_blocked_messages",
        "campaign_messages_sent", "replies_received", "delivery_rate",
        "delivered_first_messages", "first_messages_sent", "opt_out_rate", "opt_out_messages",
        "opt_out_rate_contacts", "opted_out_contacts", "contacts_reached", "ai_filtering_rate",
        "ai_filtered_contacts", "reply_rate", "replied_contacts", "enrolled_contacts",
        "median_response_seconds", "responses_measured", "unanswered_streaks", "leads",
        "sms_to_lead_rate", "sms_to_lead_rate_delivered", "delivered_messages",
        "contact_to_lead_rate",
    },
    "calling": {
        "calls_dialed", "calls_answered", "calls_answered_by_machine", "conversations",
        "response_rate", "average_call_seconds", "talk_seconds_answered", "calls_with_talk_time",
        "conversation_rate", "conversation_rate_dialed", "call_leads", "deals_closed",
        "call_to_lead_rate", "lead_to_deal_rate", "deals_closed_cohort", "lead_to_deal_rate_cohort",
    },
    "campaign-box": {
        "enrollments", "initials_sent", "segments", "replies", "reply_rate", "active_senders",
        "enrollments_per_sender", "auto_opt_outs", "manual_opt_outs", "total_opt_outs",
    },
    "send-report": {
        "sent_contacts", "delivered_contacts", "soft_bounced_contacts", "hard_bounced_contacts",
        "clicks", "unique_clickers", "unsubscribed_contacts", "credits",
    },
    "usage": {
        "segments_total", "segments_sent", "segments_received", "calls_total", "calls_inbound",
        "calls_outbound", "calls_forwarded", "new_contacts", "opted_in_contacts",
        "opted_out_contacts", "credits_used",
    },
    "credits": {"credits_used", "credit_allowance", "credits_remaining", "credits_projected"},
    "conversations": {
        "conversations", "conversation_messages", "conversation_inbound_messages",
        "conversation_outbound_messages",
    },
    "suppressions": {"suppressed_contacts"},
    "delivery-status": {
        "outbound_messages", "error_code_messages", "carrier_blocked_outbound_messages",
    },
    "compare": set(),
    "compliance": {
        "compliance_violations", "violations_after_opt_out", "violations_in_quiet_hours",
        "violations_to_suppressed_contacts",
    },
    "carrier-block-anomalies": {"flagged_templates", "flagged_tracking_numbers"},
}  # fmt: skip
SECTIONS = {
    "messaging": {"labels", "reply_rate_by_step", "spend_by_currency"},
    "calling": {"call_outcomes"},
    "campaign-box": set(),
    "send-report": {"links"},
    "usage": {"by_member", "by_shared_inbox", "spend_by_currency"},
    "credits": set(),
    "conversations": {"volume", "frequency_by_hour"},
    "suppressions": set(),
    "delivery-status": {"by_status", "by_error_code"},
    "compare": {"campaigns", "templates", "overlaps"},
    "compliance": set(),
    "carrier-block-anomalies": set(),
}


@pytest.fixture(scope="module")
def warehouse(request) -> Path:
    """The session's warehouse (conftest: one refresh of a small generated landing)."""
    prebuilt = os.environ.get("REPORTING_TEST_WAREHOUSE")
    if prebuilt:
        path, failures = Path(prebuilt), ""
    else:
        built = request.getfixturevalue("built_warehouse")
        assert built.end_date == END_DATE
        path = built.path
        failures = f"{built.summary.failure}; {built.summary.dbt_failures}"
    with warehouse_connection.connect(str(path), read_only=True) as db:
        marts = {r[0] for r in db.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()}  # fmt: skip
    needed = {
        "dim_accounts", "bdg_account_hierarchy", "mart_messaging_kpis",
        "fct_messaging_contact_days", "fct_campaign_contacts", "fct_responses",
        "mart_calling_kpis", "mart_campaign_box", "mart_send_report", "fct_send_recipients",
        "mart_account_usage_daily", "mart_credits_by_billing_period", "fct_text_conversations",
    }  # fmt: skip
    missing = sorted(needed - marts)
    assert not missing, (
        f"the refresh did not build the marts the reports read: {missing}; {failures}"
    )
    return path


@pytest.fixture(scope="module")
def con(warehouse):
    with warehouse_connection.connect(str(warehouse), read_only=True) as connection:
        yield connection


def _scalar(con, sql, params=()):
    return con.execute(sql, list(params)).fetchone()[0]


@pytest.fixture(scope="module")
def ids(con) -> dict:
    """Accounts, a busy campaign and template of the generated data."""
    root = _scalar(
        con,
        "select account_id from marts.dim_accounts where parent_account_id is null "
        "order by descendant_count desc, account_id limit 1",
    )
    descendants = [
        r[0]
        for r in con.execute(
            "select descendant_account_id from marts.bdg_account_hierarchy "
            "where ancestor_account_id = ? order by 1",
            [root],
        ).fetchall()
    ]
    campaign, account = con.execute(
        "select campaign_id, account_id from marts.fct_messages "
        "where campaign_id is not null and direction = 'outbound' and list_contains(?, account_id) "
        "group by all order by count(*) desc, campaign_id limit 1",
        [descendants],
    ).fetchone()
    template = _scalar(
        con,
        "select template_id from marts.fct_messages where campaign_id = ? and template_id is not "
        "null group by all order by count(*) desc, template_id limit 1",
        [campaign],
    )
    # A leaf sub-account, and a campaign of another account: unknown in the leaf's scope.
    leaf = _scalar(
        con,
        "select account_id from marts.dim_accounts where descendant_count = 0 "
        "and list_contains(?, account_id) order by account_id limit 1",
        [descendants],
    )
    foreign_campaign = _scalar(
        con,
        "select campaign_id from marts.dim_campaigns where account_id <> ? order by 1 limit 1",
        [leaf],
    )
    return {
        "root": root,
        "descendants": descendants,
        "campaign": campaign,
        "campaign_account": account,
        "template": template,
        "leaf": leaf,
        "foreign_campaign": foreign_campaign,
    }


def _rep(warehouse, view, ids, **kwargs):
    kwargs.setdefault("account_id", ids["root"])
    kwargs.setdefault("include_sub_accounts", True)
    kwargs.setdefault("today", TODAY)
    return report(view, warehouse=warehouse, **kwargs)


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_returns_the_spec_keys(warehouse, ids, view):
    rep = _rep(warehouse, view, ids, date_range="last_30_days")
    assert set(rep.kpis) == SPEC_KEYS[view]
    assert list(rep.kpis) == list(KPI_KEYS[view]) == list(REGISTRY[view].keys)
    assert set(rep.sections) == SECTIONS[view]
    # The JSON agrees with the KPI registry: every key published per period is a column of the
    # period rows (and no other ratio), every registered section key a column of its section.
    registered = REGISTRY[view]
    if "period_start" in (rep.rows or [{}])[0]:
        columns = set(rep.rows[0])
        assert {k.key for k in registered.kpis if k.per_period} <= columns
        ratios = {k.key for k in registered.kpis if k.kind in RATIOS}
        assert columns & ratios == {k.key for k in registered.kpis if k.per_period} & ratios
    for table, entries in registered.sections.items():
        assert rep.sections[table], f"{view}.{table} is empty: nothing to check"
        assert {k.key for k in entries} <= set(rep.sections[table][0]), table
    assert sorted(rep.account_ids) == ids["descendants"] and rep.account_ids[0] == ids["root"]
    json.dumps(rep.to_dict())  # JSON-ready
    # Identifiers and names stay text or null in every table (never a count's 0).
    for name, rows in rep.tables().items():
        for row in rows:
            for column, value in row.items():
                if column.endswith(("_id", "_name", "label", "url")):
                    assert value is None or isinstance(value, str), (name, column, value)
    # Rates are fractions 0..1 or null (lead_to_deal_rate excepted: deals closed in range over
    # leads created in range, as the spec defines it, can exceed 1).
    for key, value in rep.kpis.items():
        if key == "lead_to_deal_rate":
            continue
        if key.endswith(("_rate", "_rate_contacts", "_rate_dialed", "_rate_delivered")):
            assert value is None or 0 <= value <= 1, (key, value)


def test_the_data_is_not_empty(warehouse, ids):
    """Guards the comparisons below against passing on zeros."""
    messaging = _rep(warehouse, "messaging", ids, date_range=RANGE, campaign_ids=[ids["campaign"]])
    assert messaging.kpis["sms_sent"] > 0 and messaging.kpis["enrolled_contacts"] > 0
    assert _rep(warehouse, "calling", ids, date_range=RANGE).kpis["calls_dialed"] > 0
    assert _rep(warehouse, "conversations", ids, date_range=RANGE).kpis["conversations"] > 0
    assert _rep(warehouse, "send-report", ids).kpis["sent_contacts"] > 0


def _streak_responses(con, accounts, start, end):
    """Median response population recomputed from fct_messages: walk each conversation."""
    rows = con.execute(
        """
        select account_id, contact_id, epoch_us(created_at) // 1000000,
               direction = 'inbound', date_day
        from marts.fct_messages
        where not is_canceled and (direction = 'inbound' or send_type = 'manual')
          and list_contains(?, account_id)
        order by account_id, contact_id, created_at,
                 case when direction = 'inbound' then 0 else 1 end, message_id
        """,
        [accounts],
    ).fetchall()
    answered, unanswered = [], 0
    key, waiting = None, None

    def close(waiting):
        nonlocal unanswered
        if waiting is not None and start <= waiting[1] <= end:
            unanswered += 1

    for account, contact, second, inbound, day in rows:
        if (account, contact) != key:
            close(waiting)
            key, waiting = (account, contact), None
        if inbound:
            waiting = waiting or (second, day)
        elif waiting is not None:
            if start <= waiting[1] <= end:
                answered.append(second - waiting[0])
            waiting = None
    close(waiting)
    return answered, unanswered


def test_messaging_kpis_equal_a_recomputation_from_the_facts(warehouse, con, ids):
    start, end = RANGE
    campaign = ids["campaign"]
    rep = _rep(warehouse, "messaging", ids, date_range=RANGE, campaign_ids=[campaign])
    assert (rep.date_from, rep.date_to) == RANGE
    messages = con.execute(
        """
        select direction, is_canceled, is_mms, segments, delivery_outcome, contact_id, date_day
        from marts.fct_messages
        where campaign_id = ? and date_day between ? and ?
        """,
        [campaign, start, end],
    ).fetchall()
    outbound = [m for m in messages if m[0] == "outbound" and not m[1]]
    assert rep.kpis["sms_sent"] == len(outbound)
    assert rep.kpis["sms_segments_sent"] == sum(m[3] or 0 for m in outbound if not m[2])
    assert rep.kpis["replies_received"] == sum(1 for m in messages if m[0] == "inbound")
    blocked = sum(1 for m in outbound if m[4] == "carrier_blocked")
    assert rep.kpis["carrier_blocked_messages"] == blocked
    assert rep.kpis["carrier_block_rate"] == pytest.approx(blocked / len(outbound))
    assert rep.kpis["contacts_reached"] == len({m[5] for m in outbound})

    # Reply rate: contacts whose first reply to the campaign falls in range / contacts enrolled.
    first_reply = {}
    for contact, day in con.execute(
        "select contact_id, date_day from marts.fct_messages "
        "where direction = 'inbound' and campaign_id = ? order by created_at, message_id",
        [campaign],
    ).fetchall():
        first_reply.setdefault(contact, day)
    replied = {c for c, day in first_reply.items() if start <= day <= end}
    enrolled = {
        r[0]
        for r in con.execute(
            "select distinct contact_id from marts.fct_enrollments where campaign_id = ?",
            [campaign],
        ).fetchall()
    }
    # Both sides take the same selection: the numerator is a subset of the denominator.
    assert rep.kpis["replied_contacts"] == len(replied & enrolled)
    assert rep.kpis["enrolled_contacts"] == len(enrolled)
    assert rep.kpis["reply_rate"] == pytest.approx(len(replied & enrolled) / len(enrolled))
    # Per step: steps are 1-based; a first reply credited to no step stays under null; a
    # contact counts once, at the step of its first reply, so the steps add up to the headline.
    steps = rep.sections["reply_rate_by_step"]
    assert all(r["step_number"] is None or r["step_number"] >= 1 for r in steps)
    assert sum(r["replied_contacts"] for r in steps) == rep.kpis["replied_contacts"]

    # Median response time ignores the campaign filter: over the whole account scope.
    answered, unanswered = _streak_responses(con, ids["descendants"], start, end)
    assert answered, "no answered streak in range"
    assert rep.kpis["responses_measured"] == len(answered)
    assert rep.kpis["unanswered_streaks"] == unanswered
    assert rep.kpis["median_response_seconds"] == pytest.approx(statistics.median(answered))


def _launched_campaigns(con, accounts, start, end):
    """Campaigns of the accounts whose local launch day falls in [start, end] (open ends)."""
    return [
        r[0]
        for r in con.execute(
            "select campaign_id from marts.dim_campaigns where list_contains(?, account_id) "
            "and launched_date_day >= coalesce(?, date '1900-01-01') "
            "and launched_date_day <= coalesce(?, date '2999-12-31') order by 1",
            [accounts, start, end],
        ).fetchall()
    ]


@pytest.mark.parametrize("date_range", [RANGE, "last_30_days", "all_time"])
def test_reply_rate_takes_the_campaigns_launched_in_range_on_both_sides(
    warehouse, con, ids, date_range
):
    """kpi-spec Messaging, reply_rate: with no campaign chosen, the numerator is the contacts
    whose first reply in range goes to a campaign launched in range, the denominator the
    contacts enrolled in those campaigns: the same numbers as choosing exactly those
    campaigns. The numerator is a subset of the denominator; per-step rows add up to it."""
    rep = _rep(warehouse, "messaging", ids, date_range=date_range)
    launched = _launched_campaigns(con, ids["descendants"], rep.date_from, rep.date_to)
    assert launched, "no campaign launched in range"
    chosen = _rep(warehouse, "messaging", ids, date_range=date_range, campaign_ids=launched)
    for key in ("replied_contacts", "enrolled_contacts", "reply_rate"):
        assert rep.kpis[key] == chosen.kpis[key], key
    assert 0 < rep.kpis["replied_contacts"] < rep.kpis["enrolled_contacts"]
    for r in (rep, chosen):
        steps = r.sections["reply_rate_by_step"]
        assert sum(s["replied_contacts"] for s in steps) == r.kpis["replied_contacts"]
    # The template filter narrows both sides and the steps still add up to the headline.
    narrowed = _rep(
        warehouse, "messaging", ids, date_range=date_range, campaign_ids=[ids["campaign"]],
        template_ids=[ids["template"]],
    )  # fmt: skip
    assert narrowed.kpis["replied_contacts"] <= narrowed.kpis["enrolled_contacts"]
    steps = narrowed.sections["reply_rate_by_step"]
    assert sum(s["replied_contacts"] for s in steps) == narrowed.kpis["replied_contacts"]


def test_template_filter_narrows_messages_to_the_template(warehouse, con, ids):
    start, end = RANGE
    rep = _rep(warehouse, "messaging", ids, date_range=RANGE, template_ids=[ids["template"]])
    expected = _scalar(
        con,
        "select count(*) from marts.fct_messages where template_id = ? and direction = "
        "'outbound' and not is_canceled and date_day between ? and ?",
        [ids["template"], start, end],
    )
    assert rep.kpis["sms_sent"] == expected
    # Reply-rate denominator: contacts enrolled in campaigns launched in range that were sent
    # the template by that campaign.
    enrolled = _scalar(
        con,
        """
        select count(distinct e.contact_id)
        from marts.fct_enrollments as e
        inner join marts.dim_campaigns as c on e.campaign_id = c.campaign_id
        where c.launched_date_day between ? and ? and list_contains(?, e.account_id)
          and exists (
              select 1 from marts.fct_messages as m
              where m.campaign_id = e.campaign_id and m.contact_id = e.contact_id
                and m.template_id = ? and m.direction = 'outbound' and not m.is_canceled
          )
        """,
        [start, end, ids["descendants"], ids["template"]],
    )
    assert rep.kpis["enrolled_contacts"] == enrolled


CONVERSATION_MIN_SECONDS = 90  # kpi-spec: the project variable's default


def _local_day_of(con, account_ids):
    """A function (account_id, UTC timestamp) -> that account's local day."""
    zones = {
        account: ZoneInfo(tz)
        for account, tz in con.execute(
            "select account_id, time_zone from staging.stg_platform__accounts "
            "where list_contains(?, account_id)",
            [account_ids],
        ).fetchall()
    }

    def local_day(account, ts):
        return ts.replace(tzinfo=UTC).astimezone(zones[account]).date()

    return local_day


def test_calling_kpis_equal_the_spec_worked_from_the_staged_rows(warehouse, con, ids):
    """kpi-spec Calling, worked in Python from the staged calls, leads and deals: talk time is
    ended_at - answered_at with its fractions; the average is over the answered calls whose talk
    time is known; lead_to_deal_rate counts deals closed in range, its cohort variant the deals
    ever closed from the leads created in range."""
    start, end = RANGE
    local_day = _local_day_of(con, ids["descendants"])
    calls = [
        (answered_at, ended_at)
        for account, started_at, answered_at, ended_at in con.execute(
            "select account_id, started_at, answered_at, ended_at "
            "from staging.stg_platform__calls where list_contains(?, account_id) "
            "and direction = 'outbound' and parent_call_id is null",
            [ids["descendants"]],
        ).fetchall()
        if start <= local_day(account, started_at) <= end
    ]
    answered = [c for c in calls if c[0] is not None]
    talks = [(ended - answered_at).total_seconds() for answered_at, ended in answered if ended]
    assert talks

    leads = {
        lead_id: (local_day(account, created_at), channel or ("call" if call_id else None))
        for lead_id, account, created_at, channel, call_id in con.execute(
            "select lead_id, account_id, created_at, channel, call_id "
            "from staging.stg_platform__leads where list_contains(?, account_id)",
            [ids["descendants"]],
        ).fetchall()
    }
    call_leads = {
        k for k, (day, channel) in leads.items() if channel == "call" and start <= day <= end
    }
    deals = [
        (lead_id, local_day(account, closed_at))
        for account, lead_id, closed_at in con.execute(
            "select account_id, lead_id, closed_at from staging.stg_platform__deals "
            "where list_contains(?, account_id)",
            [ids["descendants"]],
        ).fetchall()
    ]
    deals_closed = sum(
        1 for lead, day in deals if start <= day <= end and leads.get(lead, (0, ""))[1] == "call"
    )
    cohort = sum(1 for lead, _ in deals if lead in call_leads)

    rep = _rep(warehouse, "calling", ids, date_range=RANGE)
    k = rep.kpis
    assert k["calls_dialed"] == len(calls)
    assert k["calls_answered"] == len(answered)
    assert k["conversations"] == sum(1 for t in talks if t > CONVERSATION_MIN_SECONDS)
    assert k["response_rate"] == pytest.approx(len(answered) / len(calls))
    assert k["calls_with_talk_time"] == len(talks)
    assert k["talk_seconds_answered"] == pytest.approx(sum(talks), rel=1e-12)
    assert k["average_call_seconds"] == pytest.approx(statistics.fmean(talks), rel=1e-12)
    assert k["call_leads"] == len(call_leads)
    assert k["deals_closed"] == deals_closed
    assert k["deals_closed_cohort"] == cohort
    assert k["lead_to_deal_rate"] == pytest.approx(deals_closed / len(call_leads))
    assert k["lead_to_deal_rate_cohort"] == pytest.approx(cohort / len(call_leads))
    for key in ("calls_with_talk_time", "talk_seconds_answered", "deals_closed_cohort"):
        assert sum(row[key] for row in rep.rows) == pytest.approx(k[key], rel=1e-12), key
    shares = rep.sections["call_outcomes"]
    assert shares and sum(r["outcome_share"] for r in shares) == pytest.approx(1)


def test_sub_account_roll_up_is_the_sum_of_its_accounts(warehouse, ids):
    assert len(ids["descendants"]) > 1, "the generated root account should have sub-accounts"
    additive = {
        "messaging": ("sms_sent", "sms_segments_sent", "replies_received", "leads"),
        "calling": ("calls_dialed", "calls_answered", "conversations", "call_leads"),
        "usage": ("segments_total", "calls_total", "new_contacts", "credits_used"),
        "conversations": ("conversations", "conversation_messages"),
    }
    for view, keys in additive.items():
        rolled = _rep(warehouse, view, ids, date_range="last_30_days")
        parts = [
            _rep(warehouse, view, ids, account_id=a, include_sub_accounts=False,
                 date_range="last_30_days")
            for a in ids["descendants"]
        ]  # fmt: skip
        for key in keys:
            assert rolled.kpis[key] == sum(p.kpis[key] for p in parts), (view, key)
        assert rolled.kpis[keys[0]] > 0, view
    alone = _rep(warehouse, "messaging", ids, include_sub_accounts=False)
    assert alone.account_ids == [ids["root"]]


def test_presets_resolve_in_the_account_time_zone(warehouse, con, ids):
    assert resolve_range("today", TODAY) == (TODAY, TODAY)
    assert resolve_range("yesterday", TODAY) == (TODAY - timedelta(1),) * 2
    assert resolve_range("last_7_days", TODAY) == (TODAY - timedelta(6), TODAY)
    assert resolve_range("last_30_days", TODAY) == (TODAY - timedelta(29), TODAY)
    assert resolve_range("this_month", TODAY) == (date(2026, 11, 1), TODAY)
    assert resolve_range("last_month", TODAY) == (date(2026, 10, 1), date(2026, 10, 31))
    assert resolve_range("last_month", date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert resolve_range("all_time", TODAY) == (None, None)
    assert resolve_range(("2026-11-01", "2026-11-03"), TODAY) == (
        date(2026, 11, 1),
        date(2026, 11, 3),
    )
    with pytest.raises(InvalidDateRange):
        resolve_range("last_week", TODAY)
    with pytest.raises(InvalidDateRange):
        resolve_range(("2026-11-05", "2026-11-01"), TODAY)
    # 03:00 UTC on Nov 21 is still Nov 20 in Los Angeles, already Nov 21 in Berlin.
    instant = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    assert local_today("America/Los_Angeles", instant) == date(2026, 11, 20)
    assert local_today("Europe/Berlin", instant) == date(2026, 11, 21)

    tz = _scalar(
        con, "select time_zone from marts.dim_accounts where account_id = ?", [ids["root"]]
    )
    unpinned = _rep(warehouse, "messaging", ids, today=None)
    assert unpinned.time_zone == tz
    assert unpinned.today in {local_today(tz), local_today(tz) - timedelta(1)}  # midnight race
    assert (unpinned.date_from, unpinned.date_to) == (unpinned.today - timedelta(6), unpinned.today)

    # "today" (pinned) counts the messages of that local day, by the marts' local date_day.
    pinned = _rep(warehouse, "messaging", ids, date_range="today", include_sub_accounts=False)
    assert (pinned.date_from, pinned.date_to) == (TODAY, TODAY)
    assert pinned.kpis["sms_sent"] == _scalar(
        con,
        "select count(*) from marts.fct_messages where account_id = ? and date_day = ? "
        "and direction = 'outbound' and not is_canceled",
        [ids["root"], TODAY],
    )
    everything = _rep(warehouse, "messaging", ids, date_range="all_time")
    assert everything.date_from is None
    assert everything.kpis["sms_sent"] == _scalar(
        con,
        "select count(*) from marts.fct_messages where list_contains(?, account_id) "
        "and direction = 'outbound' and not is_canceled",
        [ids["descendants"]],
    )


def test_unknown_account_campaign_template_tracker_are_errors(warehouse, ids):
    with pytest.raises(UnknownFilterValue, match="account 'acc_nope' does not exist"):
        _rep(warehouse, "messaging", ids, account_id="acc_nope")
    with pytest.raises(
        UnknownFilterValue,
        match=f"campaign 'cmp_x' does not exist in account {ids['root']} or its sub-accounts",
    ):
        _rep(warehouse, "messaging", ids, campaign_ids=["cmp_x"])
    with pytest.raises(UnknownFilterValue, match="template 'tpl_x' does not exist"):
        _rep(warehouse, "messaging", ids, template_ids=["tpl_x"])
    with pytest.raises(UnknownFilterValue, match="tracker 'pn_x' does not exist"):
        _rep(warehouse, "conversations", ids, tracker="pn_x")
    # Another account's campaign is unknown here: nothing of one account shows under another.
    with pytest.raises(UnknownFilterValue, match=ids["foreign_campaign"]):
        _rep(warehouse, "calling", ids, account_id=ids["leaf"],
             campaign_ids=[ids["foreign_campaign"]])  # fmt: skip
    # A sub-account's campaign is only known with the sub-accounts.
    if ids["campaign_account"] != ids["root"]:
        with pytest.raises(UnknownFilterValue, match=f"in account {ids['root']}$"):
            _rep(warehouse, "messaging", ids, include_sub_accounts=False,
                 campaign_ids=[ids["campaign"]])  # fmt: skip
    with pytest.raises(ReportError, match="does not take"):
        _rep(warehouse, "calling", ids, template_ids=[ids["template"]])
    with pytest.raises(ReportError, match="unknown view"):
        _rep(warehouse, "nope", ids)


@pytest.mark.parametrize("view", ["messaging", "delivery-status", "compare"])
def test_a_view_returns_and_computes_only_the_sections_asked_for(warehouse, ids, view, monkeypatch):
    whole = _rep(warehouse, view, ids, date_range="last_30_days")
    assert len(whole.sections) >= 2, "nothing to choose from"
    first = next(iter(whole.sections))
    for asked in ([], [first]):
        part = _rep(warehouse, view, ids, date_range="last_30_days", sections=asked)
        assert (part.kpis, part.rows) == (whole.kpis, whole.rows)
        assert part.sections == {name: whole.sections[name] for name in asked}
    with pytest.raises(ReportError, match=f"{view} has no section nope"):
        _rep(warehouse, view, ids, sections=["nope"])
    if view == "messaging":  # the per-step rows (a join of every outbound message) not computed

        def computed(_scope):
            raise AssertionError("reply_rate_by_step computed though not asked for")

        monkeypatch.setattr(messaging_view, "_reply_rate_by_step", computed)
        assert _rep(warehouse, view, ids, date_range="last_30_days", sections=["labels"]).sections


def _accounts_only(path: Path, roots: int = 2) -> Path:
    """A warehouse with only accounts: roots acc_1, acc_2, ... and acc_1's sub-account acc_1a."""
    rows = [(f"acc_{i}", f"Name {i}", None) for i in range(1, roots + 1)]
    rows.append(("acc_1a", "Sub of one", "acc_1"))
    hierarchy = [(a, a, 0) for a, _, _ in rows] + [("acc_1", "acc_1a", 1)]
    with warehouse_connection.connect(str(path)) as db:
        db.execute("create schema marts")
        db.execute(
            "create table marts.dim_accounts (account_id varchar, account_name varchar, "
            "parent_account_id varchar, descendant_count int, time_zone varchar)"
        )
        db.executemany("insert into marts.dim_accounts values (?, ?, ?, 0, 'UTC')", rows)
        db.execute(
            "create table marts.bdg_account_hierarchy "
            "(ancestor_account_id varchar, descendant_account_id varchar, depth int)"
        )
        db.executemany("insert into marts.bdg_account_hierarchy values (?, ?, ?)", hierarchy)
    return path


def test_no_account_given_takes_the_only_root_and_never_lists_accounts(
    warehouse, ids, tmp_path, monkeypatch
):
    monkeypatch.delenv("COMMS_WAREHOUSE_ACCOUNTS", raising=False)
    monkeypatch.delenv("COMMS_WAREHOUSE_ACCESS_FILE", raising=False)
    # The generated data has one root account: it is the default.
    assert report("messaging", warehouse=warehouse, today=TODAY).account_id == ids["root"]
    # With several roots, no default, and the error names no account (no tenant enumeration).
    two_roots = _accounts_only(tmp_path / "two_roots.duckdb")
    with pytest.raises(ReportError) as error:
        report("messaging", warehouse=two_roots)
    assert str(error.value) == "choose an account (--account ID)"


def test_unknown_account_error_names_only_the_account_asked_for(tmp_path, monkeypatch):
    monkeypatch.delenv("COMMS_WAREHOUSE_ACCOUNTS", raising=False)
    monkeypatch.delenv("COMMS_WAREHOUSE_ACCESS_FILE", raising=False)
    two_roots = _accounts_only(tmp_path / "two_roots.duckdb")
    with pytest.raises(UnknownFilterValue) as error:
        report("messaging", warehouse=two_roots, account_id="acc_nope")
    assert str(error.value) == "account 'acc_nope' does not exist"


def test_account_allow_list_hides_every_other_account(tmp_path, monkeypatch):
    """A caller allowed acc_1 sees acc_1 and its sub-accounts; any other account, existing or
    not, gets the same "does not exist", so the error tells nothing about other tenants."""
    db = _accounts_only(tmp_path / "accounts.duckdb", roots=3)
    monkeypatch.delenv("COMMS_WAREHOUSE_ACCESS_FILE", raising=False)
    monkeypatch.setenv("COMMS_WAREHOUSE_ACCOUNTS", "acc_1")
    with warehouse_connection.connect(str(db), read_only=True) as con:
        assert resolve_account(con, "acc_1a")["account_id"] == "acc_1a"
        # The only allowed account is the default, though the warehouse has three roots.
        assert resolve_account(con, None)["account_id"] == "acc_1"
    for other in ("acc_2", "acc_nope"):
        with pytest.raises(UnknownFilterValue) as error:
            report("messaging", warehouse=db, account_id=other)
        assert str(error.value) == f"account {other!r} does not exist"
    # An explicit allow-list (a server passing its caller's) wins over the environment.
    with pytest.raises(UnknownFilterValue):
        report("messaging", warehouse=db, account_id="acc_1", allowed_accounts=["acc_2"])
    with pytest.raises(ReportError, match=r"^choose an account \(--account ID\)$"):
        report("messaging", warehouse=db, allowed_accounts=["acc_2", "acc_3"])


def test_account_allow_list_per_caller_from_a_config_file(tmp_path, monkeypatch):
    db = _accounts_only(tmp_path / "accounts.duckdb", roots=3)
    access = tmp_path / "access.toml"
    access.write_text('[callers]\nalice = ["acc_2"]\nbob = ["acc_1", "acc_3"]\n')
    monkeypatch.setenv("COMMS_WAREHOUSE_ACCESS_FILE", str(access))
    monkeypatch.delenv("COMMS_WAREHOUSE_ACCOUNTS", raising=False)
    monkeypatch.setenv("COMMS_WAREHOUSE_CALLER", "alice")
    assert allowed_accounts() == ["acc_2"]
    with warehouse_connection.connect(str(db), read_only=True) as con:
        assert resolve_account(con, None)["account_id"] == "acc_2"
        with pytest.raises(UnknownFilterValue, match=r"^account 'acc_1' does not exist$"):
            resolve_account(con, "acc_1")
        # A caller the file does not name may read no account.
        monkeypatch.setenv("COMMS_WAREHOUSE_CALLER", "mallory")
        assert allowed_accounts() == []
        with pytest.raises(UnknownFilterValue):
            resolve_account(con, "acc_2")
        # The environment list can narrow the file's, never widen it.
        monkeypatch.setenv("COMMS_WAREHOUSE_CALLER", "bob")
        monkeypatch.setenv("COMMS_WAREHOUSE_ACCOUNTS", "acc_3,acc_2")
        assert allowed_accounts() == ["acc_3"]
    # The CLI goes through the same check: exit 2, the one-line error.
    code = cli_main(["report", "usage", "--warehouse", str(db), "--account", "acc_1"])
    assert code == 2


@pytest.mark.parametrize(
    "value", ["x' or '1'='1", "'; drop table marts.fct_messages; --", 'a"b', "%", "acc_%"]
)
def test_a_filter_value_with_quotes_is_data_not_sql(warehouse, ids, value):
    for kwargs in (
        {"campaign_ids": [value]},
        {"template_ids": [value]},
        {"account_id": value},
    ):
        with pytest.raises(UnknownFilterValue) as error:
            _rep(warehouse, "messaging", ids, **kwargs)
        assert repr(value) in str(error.value)
    with pytest.raises(UnknownFilterValue):
        _rep(warehouse, "conversations", ids, tracker=value)


def test_tracker_filter_keeps_conversations_through_the_number(warehouse, con, ids):
    tracker, expected = con.execute(
        "select phone_number_id, count(distinct conversation_id) "
        "from marts.bdg_text_conversation_trackers "
        "where list_contains(?, account_id) and date_day between ? and ? "
        "group by 1 order by 2 desc, 1 limit 1",
        [ids["descendants"], *RANGE],
    ).fetchone()
    rep = _rep(warehouse, "conversations", ids, date_range=RANGE, tracker=tracker)
    assert rep.kpis["conversations"] == expected == len(rep.rows)
    everything = _rep(warehouse, "conversations", ids, date_range=RANGE)
    assert rep.kpis["conversations"] <= everything.kpis["conversations"]
    hourly = everything.sections["frequency_by_hour"]
    assert len(hourly) == 24
    assert (
        sum(h["customer_messages"] for h in hourly)
        == everything.kpis["conversation_inbound_messages"]
    )
    assert (
        sum(h["agent_messages"] for h in hourly)
        == everything.kpis["conversation_outbound_messages"]
    )


def test_number_name_is_the_contact_s_latest_number_whatever_the_filters(warehouse, con, ids):
    """kpi-spec Text conversations: "number name" = the tracking number most recently used with
    the contact as of the latest data, the same on every row of the contact, whatever the
    tracker and date range and whatever the row's day (a canceled message was never sent)."""
    latest = {}
    for account, contact, number in con.execute(
        "select account_id, contact_id, phone_number_id from marts.fct_messages "
        "where list_contains(?, account_id) and not is_canceled and phone_number_id is not null "
        "order by created_at, message_id",
        [ids["descendants"]],
    ).fetchall():
        latest[account, contact] = number
    names = dict(
        con.execute("select phone_number_id, friendly_name from marts.dim_phone_numbers").fetchall()
    )
    tracker = con.execute(
        "select phone_number_id from marts.bdg_text_conversation_trackers "
        "where list_contains(?, account_id) and date_day between ? and ? "
        "group by 1 order by count(*) desc, 1 limit 1",
        [ids["descendants"], *RANGE],
    ).fetchone()[0]
    changed = 0
    for filters in ({}, {"tracker": tracker}):
        rep = _rep(warehouse, "conversations", ids, date_range=RANGE, **filters)
        assert rep.rows
        for row in rep.rows:
            number = latest.get((row["account_id"], row["contact_id"]))
            assert row["number_name_phone_number_id"] == number, row
            assert row["number_name"] == names.get(number), row
            changed += row["last_phone_number_id"] != number
    assert changed, "the range should hold days whose own last number is not the latest"


def test_campaign_box_and_send_report_agree_on_opt_outs(warehouse, con, ids):
    """kpi-spec Opt-outs: an opt event belongs to a campaign when it names the campaign, one of
    its enrollments or a message attributed to it, so per campaign the box's opted-out
    enrollments that were sent their initial and the send report's unsubscribed contacts are
    the same contacts (every linked opt event of the data is keyword / ai_filter / manual)."""
    campaigns = [
        r[0]
        for r in con.execute(
            "select campaign_id from marts.dim_campaigns where list_contains(?, account_id) "
            "order by 1",
            [ids["descendants"]],
        ).fetchall()
    ]
    box_total = send_total = 0
    for campaign in campaigns:
        box = _rep(warehouse, "campaign-box", ids, campaign_ids=[campaign]).kpis
        sent = _rep(warehouse, "send-report", ids, campaign_ids=[campaign]).kpis
        never_sent = _scalar(
            con,
            "select count(*) from marts.fct_enrollments where campaign_id = ? "
            "and is_opted_out and not is_initial_sent",
            [campaign],
        )
        assert box["total_opt_outs"] - never_sent == sent["unsubscribed_contacts"], campaign
        box_total += box["total_opt_outs"]
        send_total += sent["unsubscribed_contacts"]
    assert box_total > 0 and send_total > 0


def test_one_contact_conversations_and_timeline(warehouse, con, ids):
    contact, events = con.execute(
        "select contact_id, count(*) from marts.fct_contact_timeline "
        "where list_contains(?, account_id) group by 1 "
        "having count(*) filter (where event_type = 'call') > 0 order by 2 desc, 1 limit 1",
        [ids["descendants"]],
    ).fetchone()
    rep = _rep(warehouse, "conversations", ids, date_range="all_time", contact_id=contact)
    assert rep.rows and {r["contact_id"] for r in rep.rows} == {contact}
    timeline = rep.sections["timeline"]
    assert len(timeline) == events
    assert {e["event_type"] for e in timeline} == {"call", "text_conversation"}
    starts = [e["event_started_at"] for e in timeline]
    assert starts == sorted(starts)
    assert sum(e["event_type"] == "text_conversation" for e in timeline) == len(rep.rows)
    with pytest.raises(UnknownFilterValue, match="contact 'con_nope' does not exist"):
        _rep(warehouse, "conversations", ids, contact_id="con_nope")


def test_usage_buckets_add_up_to_the_range(warehouse, ids):
    by_day = _rep(warehouse, "usage", ids, date_range="last_month")
    by_week = _rep(warehouse, "usage", ids, date_range="last_month", bucket="week")
    by_month = _rep(warehouse, "usage", ids, date_range="last_month", bucket="month")
    assert len(by_month.rows) == 1 and by_month.rows[0]["period_start"] == date(2026, 10, 1)
    assert all(r["period_start"].weekday() == 0 for r in by_week.rows[1:])
    for rep in (by_day, by_week, by_month):
        assert sum(r["segments_total"] for r in rep.rows) == rep.kpis["segments_total"]
        assert sum(r["calls_total"] for r in rep.rows) == rep.kpis["calls_total"]
    assert by_day.kpis == by_week.kpis == by_month.kpis


def test_usage_by_member_includes_received_segments(warehouse, con, ids):
    """kpi-spec Account usage: an inbound message belongs to the owner of the member inbox it
    arrived in; recomputed per owner from the messages and inboxes."""
    rep = _rep(warehouse, "usage", ids, date_range=RANGE)
    expected = dict(
        con.execute(
            """
            select i.owner_user_id, sum(m.segments)
            from marts.fct_messages as m
            inner join marts.dim_inboxes as i on m.inbox_id = i.inbox_id
            where m.direction = 'inbound' and not m.is_mms and i.inbox_type = 'member'
              and i.owner_user_id is not null and list_contains(?, m.account_id)
              and m.date_day between ? and ?
            group by 1
            """,
            [ids["descendants"], *RANGE],
        ).fetchall()
    )
    assert expected and sum(expected.values()) > 0
    got = {r["user_id"]: r["segments_received"] for r in rep.sections["by_member"]}
    assert {u: got.get(u, 0) for u in expected} == expected
    for row in rep.sections["by_member"]:
        assert row["segments_total"] == row["segments_sent"] + row["segments_received"]


def test_campaign_box_and_send_report_per_campaign(warehouse, ids):
    box = _rep(warehouse, "campaign-box", ids, campaign_ids=[ids["campaign"]])
    assert box.date_from is None and len(box.rows) == 1
    row = box.rows[0]
    assert box.kpis["reply_rate"] == pytest.approx(row["reply_rate"])
    assert box.kpis["total_opt_outs"] == row["auto_opt_outs"] + row["manual_opt_outs"]
    send = _rep(warehouse, "send-report", ids, campaign_ids=[ids["campaign"]], step_numbers=[1])
    assert len(send.rows) == 1
    for key in ("sent_contacts", "delivered_contacts", "clicks", "unique_clickers", "credits"):
        assert send.kpis[key] == send.rows[0][key], key
    assert sum(link["clicks"] for link in send.sections["links"]) == send.kpis["clicks"]


def test_campaign_box_active_senders_exclude_deactivated_users(warehouse, con, ids):
    """kpi-spec Campaign box: active senders are assigned, not removed, and their user is not
    deactivated; shown as 1 sender per floor(enrollments / active_senders)."""
    deactivated = {
        user for (user,) in con.execute(
            "select user_id from staging.stg_platform__users where deactivated_at is not null"
        ).fetchall()
    }  # fmt: skip
    active: dict[str, set] = {}
    for campaign, user, removed_at in con.execute(
        "select campaign_id, user_id, removed_at from staging.stg_platform__campaign_senders"
    ).fetchall():
        if removed_at is None and user not in deactivated:
            active.setdefault(campaign, set()).add(user)
    box = _rep(warehouse, "campaign-box", ids)
    assert box.rows
    for row in box.rows:
        senders = len(active.get(row["campaign_id"], ()))
        assert row["active_senders"] == senders, row["campaign_id"]
        expected = row["enrollments"] // senders if senders else None
        assert row["enrollments_per_sender"] == expected, row["campaign_id"]
    assert box.kpis["active_senders"] == sum(r["active_senders"] for r in box.rows)


def test_cli_json_output_has_the_spec_keys(warehouse, ids, capsys):
    code = cli_main(
        ["report", "messaging", "--warehouse", str(warehouse), "--account", ids["root"],
         "--with-sub-accounts", "--from", RANGE[0].isoformat(), "--to", RANGE[1].isoformat(),
         "--campaign", ids["campaign"], "--format", "json"]
    )  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["kpis"]) == SPEC_KEYS["messaging"]
    api = _rep(warehouse, "messaging", ids, date_range=RANGE, campaign_ids=[ids["campaign"]])
    assert out["kpis"]["sms_sent"] == api.kpis["sms_sent"]
    assert out["date_from"] == RANGE[0].isoformat()

    code = cli_main(
        ["report", "calling", "--warehouse", str(warehouse), "--account", ids["root"],
         "--as-of", TODAY.isoformat(), "--range", "last_30_days"]
    )  # fmt: skip
    assert code == 0
    assert "calls_dialed" in capsys.readouterr().out

    code = cli_main(["report", "messaging", "--warehouse", str(warehouse), "--campaign", "c'x"])
    assert code == 2
    assert 'campaign "c\'x" does not exist in account' in capsys.readouterr().err


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _read_sheet(path: Path, sheet: str) -> list[dict]:
    rows = list(load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("view", VIEWS)
def test_view_exports_round_trip(warehouse, ids, tmp_path, view):
    rep = _rep(warehouse, view, ids, date_range="last_30_days")
    files = export_report(rep, tmp_path / f"{view}.csv")
    assert files[0] == tmp_path / f"{view}.csv"
    kpis = {r["key"]: r["value"] for r in _read_csv(tmp_path / f"{view}-kpis.csv")}
    assert set(kpis) == SPEC_KEYS[view]
    for key, value in rep.kpis.items():
        assert kpis[key] == ("" if value is None else str(value))
    assert len(_read_csv(files[0])) == len(rep.rows)

    export_report(rep, tmp_path / f"{view}.xlsx")
    book = load_workbook(tmp_path / f"{view}.xlsx", read_only=True)
    assert {"rows", "kpis", "about", *SECTIONS[view]} <= set(book.sheetnames)
    sheet_kpis = {r["key"]: r["value"] for r in _read_sheet(tmp_path / f"{view}.xlsx", "kpis")}
    for key, value in rep.kpis.items():
        if isinstance(value, float):
            assert sheet_kpis[key] == pytest.approx(value)
        else:
            assert sheet_kpis[key] == value
    assert len(_read_sheet(tmp_path / f"{view}.xlsx", "rows")) == len(rep.rows)
    # The same through the CLI.
    out = tmp_path / f"cli-{view}.xlsx"
    code = cli_main(
        ["export", view, "--out", str(out), "--warehouse", str(warehouse), "--account",
         ids["root"], "--with-sub-accounts", "--range", "last_30_days", "--as-of",
         TODAY.isoformat()]
    )  # fmt: skip
    assert code == 0
    cli_kpis = {r["key"]: r["value"] for r in _read_sheet(out, "kpis")}
    assert cli_kpis == sheet_kpis


def test_contact_list_exports_match_the_send_report(warehouse, con, ids, tmp_path):
    scope = {"account_id": ids["root"], "include_sub_accounts": True,
             "campaign_ids": [ids["campaign"]]}  # fmt: skip
    send = report("send-report", warehouse=warehouse, **scope)
    for name, key in (
        ("sent", "sent_contacts"),
        ("delivered", "delivered_contacts"),
        ("clicked", "unique_clickers"),
        ("unsubscribed", "unsubscribed_contacts"),
    ):
        files, count = export_contacts(name, tmp_path / f"{name}.csv", warehouse=warehouse, **scope)
        rows = _read_csv(files[0])
        assert count == len(rows) == send.kpis[key], name
    bounced = contact_list("bounced", warehouse=warehouse, **scope)
    assert len(bounced) >= max(
        send.kpis["soft_bounced_contacts"], send.kpis["hard_bounced_contacts"]
    )

    # Re-engagement audience: delivered, neither clicked nor replied, recomputed per send.
    audience = {
        r[0]
        for r in con.execute(
            "select distinct contact_id from marts.fct_send_recipients "
            "where campaign_id = ? and was_delivered and not clicked and not replied",
            [ids["campaign"]],
        ).fetchall()
    }
    files, count = export_contacts(
        "re_engagement", tmp_path / "re.xlsx", warehouse=warehouse, **scope
    )
    rows = _read_sheet(files[0], "re_engagement")
    assert {r["contact_id"] for r in rows} == audience and count == len(audience)
    assert {"phone", "first_name", "email"} <= set(rows[0]) if rows else True

    # Scoped to the account: a sub-account's list holds only its own contacts.
    leaf = contact_list("sent", warehouse=warehouse, account_id=ids["leaf"])
    assert {r["account_id"] for r in leaf} <= {ids["leaf"]}
    everyone = contact_list("sent", warehouse=warehouse, account_id=ids["root"],
                            include_sub_accounts=True)  # fmt: skip
    assert {r["contact_id"] for r in leaf} <= {r["contact_id"] for r in everyone}
    assert len(leaf) < len(everyone)

    code = cli_main(
        ["export", "contacts", "--list", "delivered", "--out", str(tmp_path / "cli.csv"),
         "--warehouse", str(warehouse), "--account", ids["root"], "--with-sub-accounts",
         "--campaign", ids["campaign"]]
    )  # fmt: skip
    assert code == 0
    assert len(_read_csv(tmp_path / "cli.csv")) == send.kpis["delivered_contacts"]


def test_reads_only_the_marts_through_a_read_only_connection(warehouse):
    import re

    import orchestration.reporting as package

    modules = sorted(Path(package.__file__).parent.rglob("*.py"))
    assert len(modules) > 10
    for module in modules:
        text = module.read_text()
        assert not re.search(r"\b(raw|staging|intermediate|audit|reference)\.\w", text), module
    views = [m for m in modules if m.parent.name == "views" and m.name != "__init__.py"]
    assert views and all(re.search(r"\bmarts\.\w", m.read_text()) for m in views)
    from orchestration.reporting.source import connect

    with connect(warehouse) as connection, pytest.raises(duckdb.Error, match="read-only"):
        connection.execute("create table marts.nope (i integer)")


def test_campaign_box_message_and_conversation_exports(warehouse, ids, tmp_path):
    scope = {"account_id": ids["root"], "include_sub_accounts": True,
             "campaign_ids": [ids["campaign"]]}  # fmt: skip
    box = report("campaign-box", warehouse=warehouse, **scope)
    files, count = export_campaign(
        "campaign-conversations", tmp_path / "conversations.xlsx", warehouse=warehouse, **scope
    )
    conversations = _read_sheet(files[0], "campaign-conversations")
    assert count == len(conversations) == box.kpis["enrollments"]
    assert sum(bool(r["has_replied"]) for r in conversations) == box.kpis["replies"]
    files, count = export_campaign(
        "campaign-messages", tmp_path / "messages.csv", warehouse=warehouse, **scope
    )
    messages = _read_csv(files[0])
    assert count == len(messages) > 0
    assert {m["campaign_id"] for m in messages} == {ids["campaign"]}
    outbound = sum(1 for m in messages if m["direction"] == "outbound")
    assert outbound == sum(r["outbound_messages"] for r in conversations)
    assert len(campaign_export("campaign-messages", warehouse=warehouse, **scope)) == count
    # The message export carries each message's text (kpi-spec Campaign box: "every message of
    # the campaign's conversations"), the body exactly as the platform exported it.
    assert "body" in messages[0]
    bodies = dict(
        warehouse_connection.connect(str(warehouse), read_only=True)
        .execute(
            "select message_id, body from staging.stg_platform__messages "
            "where list_contains(?, message_id)",
            [[m["message_id"] for m in messages]],
        )
        .fetchall()
    )
    assert any(bodies.values())
    assert {m["message_id"]: m["body"] for m in messages} == {k: v or "" for k, v in bodies.items()}


def test_suppressions_view_lists_contacts_after_their_third_hard_bounce(warehouse, con, ids):
    """kpi-spec Message status: a contact whose messages hard-bounced 3 times is suppressed from
    that moment on. Recomputed from the messages' final delivery outcomes; the view takes the
    account scope and a date range on the local day of suppressed_at."""
    bounces: dict[tuple[str, str], list] = {}
    for account, contact, at in con.execute(
        "select account_id, contact_id, final_status_at from marts.fct_messages "
        "where delivery_outcome = 'hard_bounce' and list_contains(?, account_id) "
        "order by final_status_at, message_id",
        [ids["descendants"]],
    ).fetchall():
        bounces.setdefault((account, contact), []).append(at)
    expected = {key: times[2] for key, times in bounces.items() if len(times) >= 3}
    assert expected, "no contact hard-bounced 3 times"
    rep = _rep(warehouse, "suppressions", ids, date_range="all_time")
    assert rep.kpis["suppressed_contacts"] == len(rep.rows) == len(expected)
    assert {(r["account_id"], r["contact_id"]): r["suppressed_at"] for r in rep.rows} == expected
    for row in rep.rows:
        assert list(row)[:5] == ["account_id", "contact_id", "phone", "suppressed_at", "reason"]
        assert row["reason"] == "hard_bounce_3x" and row["phone"]
    earliest = min(r["suppressed_at"] for r in rep.rows)
    narrowed = _rep(warehouse, "suppressions", ids, date_range=(date(2000, 1, 1), date(2000, 1, 2)))
    assert narrowed.rows == [] and narrowed.kpis["suppressed_contacts"] == 0
    assert earliest is not None


def test_default_source_is_the_published_copy_when_there_is_one(tmp_path, monkeypatch):
    from orchestration.publishing import published_path
    from orchestration.reporting.source import source_path

    warehouse = tmp_path / "comms.duckdb"
    monkeypatch.setenv("COMMS_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.delenv("COMMS_WAREHOUSE_PUBLISHED", raising=False)
    assert source_path() == warehouse.resolve()
    published = published_path(warehouse)
    published.parent.mkdir(parents=True)
    published.touch()
    assert source_path() == published
    assert source_path(warehouse) == warehouse.resolve()  # an explicit path is read as given
    elsewhere = tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("COMMS_WAREHOUSE_PUBLISHED", str(elsewhere))
    assert source_path() == warehouse.resolve()  # no copy there (yet): the warehouse itself
    elsewhere.touch()
    assert source_path() == published_path(warehouse) == elsewhere
    elsewhere.unlink()
    with pytest.raises(ReportError, match="does not exist"):
        report("messaging")


def test_a_warehouse_locked_by_a_writer_is_a_clear_error(tmp_path):
    import subprocess
    import sys

    locked = tmp_path / "busy.duckdb"
    writer = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
         "time.sleep(60)", str(locked)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "ready"
        with pytest.raises(ReportError, match="locked by a running refresh"):
            report("messaging", warehouse=locked)
    finally:
        writer.kill()
        writer.wait()


def test_xlsx_cells_are_data_never_formulas(tmp_path):
    from orchestration.reporting.exports import write_tables

    rows = [{"first_name": '=HYPERLINK("http://x")', "last_name": "bell\x07name", "n": 3}]
    (path,) = write_tables(tmp_path / "odd.xlsx", {"contacts": rows}, main="contacts")
    (row,) = _read_sheet(path, "contacts")
    assert row == {"first_name": '=HYPERLINK("http://x")', "last_name": "bellname", "n": 3}
    assert load_workbook(path)["contacts"]["A2"].data_type == "s"  # text, not a formula
    (path,) = write_tables(tmp_path / "odd.csv", {"contacts": rows}, main="contacts")
    assert _read_csv(path)[0]["last_name"] == "bell\x07name"  # CSV keeps the data as it is
