"""The report's numbers, all from the reporting API (orchestration.reporting) over the published
marts, so that every figure equals what `comms-warehouse report` gives for the same range."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from orchestration.executive_report import spend_outcomes
from orchestration.executive_report.alerts import gather_alerts
from orchestration.kpi_registry import REGISTRY
from orchestration.kpi_registry.messaging import MESSAGING
from orchestration.reporting.api import report
from orchestration.reporting.dates import local_today
from orchestration.reporting.scope import checked_filters, open_scope
from orchestration.reporting.views.messaging import reply_rate_counts

PERIOD_DAYS = 7  # headline period, compared with the 7 days before it
TREND_DAYS = 30  # trend charts
TEMPLATE_DAYS = 30  # templates ranked by carrier-block rate over this many days
TOP_TEMPLATES = 8
MIN_TEMPLATE_MESSAGES = 20  # below this a template's block rate is noise: listed, not flagged


@dataclass
class Period:
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def as_range(self) -> tuple[date, date]:
        return self.start, self.end


@dataclass
class ReportData:
    account_id: str
    account_name: str
    time_zone: str
    account_ids: list[str]
    sub_accounts: list[dict[str, Any]]
    current: Period
    previous: Period
    trend: Period
    latest_data_day: date | None
    generated_at: datetime
    kpis: dict[str, Any]  # current period, kpi-spec keys (messaging + calling + credits)
    previous_kpis: dict[str, Any]
    daily: dict[str, dict[date, Any]]  # key -> day -> value, over the trend period
    reply_rate_7d: dict[date, float | None]  # trailing 7-day reply rate ending each day
    funnel: list[tuple[str, int]]
    templates: list[dict[str, Any]]
    template_period: Period
    overall_block_rate: float | None
    credits: list[dict[str, Any]]  # current billing period per account
    by_account: list[dict[str, Any]] = field(default_factory=list)
    # issue 13: spend per currency, top error codes, templates' all-time rates with intervals
    outcomes: dict[str, Any] = field(default_factory=dict)
    alerts: dict[str, Any] = field(default_factory=dict)  # alerts.gather_alerts


def end_day_for(con, account_ids: list[str], time_zone: str, now: datetime | None = None) -> date:
    """The last day the report covers: yesterday (the last complete local day), or the latest day
    with any messaging or calling activity if the data stops earlier (a stale or demo warehouse)."""
    yesterday = local_today(time_zone, now) - timedelta(days=1)
    latest = latest_data_day(con, account_ids)
    return min(yesterday, latest) if latest else yesterday


def latest_data_day(con, account_ids: list[str]) -> date | None:
    row = con.execute(
        """
        select max(date_day) from (
            select date_day from marts.mart_messaging_kpis where list_contains(?, account_id)
            union all
            select date_day from marts.mart_calling_kpis where list_contains(?, account_id)
        )
        """,
        [account_ids, account_ids],
    ).fetchone()
    return row[0] if row else None


def root_accounts(con) -> list[dict[str, Any]]:
    """Top-level (admin) accounts: each gets one report over itself and its sub-accounts."""
    cursor = con.execute(
        "select account_id, account_name, time_zone from marts.dim_accounts "
        "where parent_account_id is null order by account_id"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def gather(
    con, account_id: str, end_day: date | None = None, now: datetime | None = None
) -> ReportData:
    """Every number of one account's report (roll-up over its sub-accounts), via the API."""

    def api(view: str, date_range, sections=(), **kw):
        # No section tables unless asked for: the report renders few, and the messaging view's
        # per-step rows alone were 38 % of a report's CPU at M (read 19 times, never shown).
        return report(
            view, con=con, account_id=account_id, include_sub_accounts=True,
            date_range=date_range, today=end, sections=sections, **kw,
        )  # fmt: skip

    account_name, time_zone, account_ids = _account(con, account_id)
    end = end_day or end_day_for(con, account_ids, time_zone, now)
    current = Period(end - timedelta(days=PERIOD_DAYS - 1), end)
    previous = Period(current.start - timedelta(days=PERIOD_DAYS), current.start - timedelta(1))
    trend = Period(end - timedelta(days=TREND_DAYS - 1), end)
    templates_period = Period(end - timedelta(days=TEMPLATE_DAYS - 1), end)

    kpis, previous_kpis, credits_report = _headline(api, current, previous)
    names = _account_names(con, account_ids)
    templates = _templates(con, api, account_ids, templates_period)
    overall = api("messaging", templates_period.as_range()).kpis["carrier_block_rate"]
    credits = [
        {**row, "account_name": names.get(row["account_id"], row["account_id"])}
        for row in credits_report.rows
    ]
    by_account = _by_account(con, account_ids, names, current)
    return ReportData(
        account_id=account_id,
        account_name=account_name,
        time_zone=time_zone,
        account_ids=account_ids,
        sub_accounts=[{"account_id": a, "account_name": names.get(a, a)} for a in account_ids],
        current=current,
        previous=previous,
        trend=trend,
        latest_data_day=latest_data_day(con, account_ids),
        generated_at=now or datetime.now().astimezone(),
        kpis=kpis,
        previous_kpis=previous_kpis,
        daily=_daily(api, trend),
        reply_rate_7d=_reply_rate_7d(con, account_id, end, trend),
        funnel=_funnel(kpis),
        templates=templates,
        template_period=templates_period,
        overall_block_rate=overall,
        credits=credits,
        by_account=by_account,
        outcomes=spend_outcomes.gather(
            api, current.as_range(), [t["template_id"] for t in templates]
        ),
        alerts=gather_alerts(api, current.as_range()),
    )


def _headline(api, current: Period, previous: Period):
    """The headline KPIs of the period and of the one before it, and the credits report."""
    kpis: dict[str, Any] = {}
    previous_kpis: dict[str, Any] = {}
    for view in ("messaging", "calling"):
        kpis.update(api(view, current.as_range()).kpis)
        previous_kpis.update(api(view, previous.as_range()).kpis)
    # Credits: the billing period containing the report's last day, per account, summed.
    credits_report = api("credits", (current.end, current.end))
    kpis.update(credits_report.kpis)
    previous_kpis.update(api("credits", (previous.end, previous.end)).kpis)
    return kpis, previous_kpis, credits_report


def _account(con, account_id: str) -> tuple[str, str, list[str]]:
    """The account's name and time zone, and the accounts its report rolls up (itself first)."""
    account = con.execute(
        "select account_id, account_name, time_zone from marts.dim_accounts where account_id = ?",
        [account_id],
    ).fetchone()
    if account is None:
        raise ValueError(f"account {account_id!r} does not exist")
    _, account_name, time_zone = account
    account_ids = [
        r[0]
        for r in con.execute(
            "select descendant_account_id from marts.bdg_account_hierarchy "
            "where ancestor_account_id = ? order by depth, descendant_account_id",
            [account_id],
        ).fetchall()
    ] or [account_id]
    return account_name, time_zone, account_ids


def _account_names(con, account_ids: list[str]) -> dict[str, str]:
    return dict(
        con.execute(
            "select account_id, account_name from marts.dim_accounts "
            "where list_contains(?, account_id)",
            [account_ids],
        ).fetchall()
    )


def _daily(api, trend: Period) -> dict[str, dict[date, Any]]:
    """Every messaging and calling KPI by day over the trend period: key -> day -> value."""
    daily: dict[str, dict[date, Any]] = {}
    for view in ("messaging", "calling"):
        for row in api(view, trend.as_range(), bucket="day").rows:
            for key, value in row.items():
                if key != "period_start":
                    daily.setdefault(key, {})[row["period_start"]] = value
    return daily


def _reply_rate_7d(con, account_id: str, end: date, trend: Period) -> dict[date, float | None]:
    """Reply rate's denominator is the campaigns launched in range, so a one-day value is
    meaningless: plot the rate over the 7 days ending each day. Each point is the messaging
    view's reply_rate for that range, from the view's own code for it (the scope the API
    resolves, reply_rate_counts, the registry's ratio), without the view's other queries: the
    whole view 30 times was 63 % of a report's time (demo)."""
    view, out = REGISTRY["messaging"], {}
    unfiltered = checked_filters(
        view, campaign_ids=None, template_ids=None, step_numbers=None, tracker=None,
        contact_id=None,
    )  # fmt: skip
    for day in trend.days:
        scope = open_scope(
            con, view, account_id, True, (day - timedelta(days=PERIOD_DAYS - 1), day), end,
            unfiltered, "day", ...,
        )  # fmt: skip
        out[day] = MESSAGING.derive(reply_rate_counts(scope))["reply_rate"]
    return out


def _funnel(kpis: dict[str, Any]) -> list[tuple[str, int]]:
    return [
        ("Dialed", int(kpis["calls_dialed"] or 0)),
        ("Answered", int(kpis["calls_answered"] or 0)),
        ("Conversations", int(kpis["conversations"] or 0)),
        ("Leads", int(kpis["call_leads"] or 0)),
        ("Deals closed", int(kpis["deals_closed"] or 0)),
    ]


def _by_account(
    con, account_ids: list[str], names: dict[str, str], current: Period
) -> list[dict[str, Any]]:
    """Each account of a roll-up on its own (its sub-accounts not included); none for one."""
    by_account = []
    if len(account_ids) > 1:
        for sub in account_ids:
            period = current.as_range()
            m = report("messaging", con=con, account_id=sub, date_range=period, sections=())
            c = report("calling", con=con, account_id=sub, date_range=period, sections=())
            by_account.append(
                {"account_id": sub, "account_name": names.get(sub, sub), **m.kpis, **c.kpis}
            )
    return by_account


def _templates(con, api, account_ids: list[str], period: Period) -> list[dict[str, Any]]:
    """Templates with campaign messages in the period, highest carrier-block rate first.

    The ranking reads the mart once; each listed template's numbers then come from the API
    filtered to that template, so they are the Reporting page's numbers for it.
    """
    ranked = con.execute(
        """
        select
            k.template_id,
            sum(k.carrier_blocked_messages) as blocked,
            sum(k.campaign_messages_sent) as sent
        from marts.mart_messaging_kpis as k
        where list_contains(?, k.account_id) and k.date_day between ? and ?
            -- only templates that landed: the API (which gives each row's numbers) knows no
            -- other, and an unnamed id tells an executive nothing
            and k.template_id in (select template_id from marts.dim_templates)
        group by k.template_id
        having sum(k.campaign_messages_sent) > 0
        order by
            sum(k.campaign_messages_sent) >= ? desc,
            sum(k.carrier_blocked_messages) / sum(k.campaign_messages_sent) desc,
            sum(k.campaign_messages_sent) desc,
            k.template_id
        limit ?
        """,
        [account_ids, period.start, period.end, MIN_TEMPLATE_MESSAGES, TOP_TEMPLATES],
    ).fetchall()
    names = {
        r[0]: (r[1], r[2], r[3])
        for r in con.execute(
            "select t.template_id, t.template_name, t.body, t.account_id "
            "from marts.dim_templates as t where list_contains(?, t.template_id)",
            [[r[0] for r in ranked]],
        ).fetchall()
    }
    out = []
    for template_id, _, _ in ranked:
        kpis = api("messaging", period.as_range(), template_ids=[template_id]).kpis
        name, body, owner = names.get(template_id, (template_id, None, None))
        out.append(
            {
                "template_id": template_id,
                "template_name": name or template_id,
                "body": body,
                "account_id": owner,
                "campaign_messages_sent": kpis["campaign_messages_sent"],
                "carrier_blocked_messages": kpis["carrier_blocked_messages"],
                "carrier_block_rate": kpis["carrier_block_rate"],
                "delivery_rate": kpis["delivery_rate"],
                "sms_sent": kpis["sms_sent"],
            }
        )
    return out
