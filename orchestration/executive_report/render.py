"""Render one account's report as a single self-contained HTML page (inline CSS and SVG)."""

from __future__ import annotations

from html import escape
from string import Template
from typing import Any

from orchestration.executive_report import charts
from orchestration.executive_report.alerts import alerts_section
from orchestration.executive_report.data import MIN_TEMPLATE_MESSAGES, ReportData
from orchestration.executive_report.formats import (
    FORMATS,
    change,
    fmt_count,
    fmt_count_short,
    fmt_day,
    fmt_rate,
    fmt_seconds,
)
from orchestration.executive_report.template import PAGE
from orchestration.kpi_registry import REGISTRY

# The seed's advice (Reporting Overview, pro tip) for a template carriers block.
CARRIER_BLOCK_ADVICE = (
    "If you notice a higher-than-usual carrier block rate on a campaign, filter by template one "
    "at a time. This helps you isolate the specific template that's getting flagged — carriers "
    "sometimes classify certain wording or links as spam, and identifying the culprit lets you "
    "adjust before it impacts more sends."
)

# Tiles: (view, key, whether a rise is good, footnote); the label and the unit (how the value is
# shown and how its change is told) are the KPI registry's.
TILES = (
    ("messaging", "sms_sent", True, "outbound messages, MMS included"),
    ("messaging", "sms_segments_sent", None, "what carriers bill"),
    ("messaging", "delivery_rate", True, "first message of each enrollment"),
    ("messaging", "carrier_block_rate", False, "of campaign messages"),
    ("messaging", "reply_rate", True, "contacts replied / enrolled"),
    ("messaging", "median_response_seconds", False, "to inbound texts"),
    ("messaging", "opt_out_rate", False, "opt-out messages / SMS sent"),
    ("messaging", "leads", True, "leads from texting"),
    ("calling", "calls_dialed", True, "outbound calls"),
    ("calling", "response_rate", True, "answered / dialed"),
    ("calling", "conversation_rate", True, "calls over 90 s / answered"),
    ("calling", "average_call_seconds", None, "answered, talk time known"),
    ("calling", "lead_to_deal_rate", True, "deals closed / call leads (can top 100%)"),
    ("calling", "lead_to_deal_rate_cohort", True, "deals from these leads"),
    ("calling", "deals_closed", True, "from call leads"),
)


def render(data: ReportData) -> str:
    tiles = "".join(_tile(data, *tile) for tile in TILES) + _credits_tile(data)
    return Template(PAGE).substitute(
        title=escape(f"{data.account_name} — weekly report"),
        account_name=escape(data.account_name),
        account_id=escape(data.account_id),
        scope=escape(_scope_text(data)),
        period=escape(f"{fmt_day(data.current.start)} – {fmt_day(data.current.end, year=True)}"),
        previous=escape(f"{fmt_day(data.previous.start)} – {fmt_day(data.previous.end)}"),
        time_zone=escape(data.time_zone),
        generated=escape(data.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()),
        freshness=escape(_freshness(data)),
        tiles=tiles,
        **_messaging_charts(data),
        **_calling_charts(data),
        funnel_note=escape(_funnel_note(data)),
        templates=_templates_section(data),
        credits=_credits_section(data),
        accounts=_accounts_section(data),
        alerts=alerts_section(
            data.alerts, {a["account_id"]: a["account_name"] for a in data.sub_accounts}
        ),
        trend_from=escape(fmt_day(data.trend.start)),
        date_from=data.current.start.isoformat(),
        date_to=data.current.end.isoformat(),
        previous_from=data.previous.start.isoformat(),
        previous_to=data.previous.end.isoformat(),
    )


def _series(data: ReportData, key: str) -> list[Any]:
    """One KPI's daily values over the trend period (None where it has none)."""
    return [data.daily.get(key, {}).get(day) for day in data.trend.days]


def _counts(data: ReportData, key: str) -> list[float]:
    return [float(v or 0) for v in _series(data, key)]


def _messaging_charts(data: ReportData) -> dict[str, str]:
    """The page's messaging trend charts, by their place in the page template."""
    days = data.trend.days
    return {
        "messages_chart": charts.line_chart(
            days,
            [
                charts.Series(
                    "SMS segments sent", _counts(data, "sms_segments_sent"), charts.TEAL, area=True
                ),
                charts.Series("SMS sent", _counts(data, "sms_sent"), charts.NAVY),
            ],
            fmt_count_short,
            highlight_from=data.current.start,
            title="SMS sent and segments by day",
        ),
        "rates_chart": charts.line_chart(
            days,
            [
                charts.Series("Delivery rate", _series(data, "delivery_rate"), charts.TEAL),
                charts.Series(
                    "Carrier block rate", _series(data, "carrier_block_rate"), charts.ORANGE
                ),
            ],
            lambda v: f"{v * 100:.0f}%",
            y_max=1.0,
            highlight_from=data.current.start,
            title="Delivery and carrier block rate by day",
        ),
        "reply_chart": charts.line_chart(
            days,
            [
                charts.Series(
                    "Reply rate, trailing 7 days",
                    [data.reply_rate_7d.get(d) for d in days],
                    charts.PURPLE,
                    area=True,
                )
            ],
            lambda v: f"{v * 100:.0f}%",
            highlight_from=data.current.start,
            title="Reply rate over the 7 days ending each day",
        ),
        "response_chart": charts.line_chart(
            days,
            [
                charts.Series(
                    "Median response time", _series(data, "median_response_seconds"), charts.GOLD
                )
            ],
            fmt_seconds,
            highlight_from=data.current.start,
            title="Median response time by day",
            ticks=charts.duration_ticks,
        ),
    }


def _calling_charts(data: ReportData) -> dict[str, str]:
    """The page's calling charts: calls by day and the funnel of the report period."""
    calls_chart = charts.line_chart(
        data.trend.days,
        [
            charts.Series("Dialed", _counts(data, "calls_dialed"), charts.NAVY, area=True),
            charts.Series("Answered", _counts(data, "calls_answered"), charts.TEAL),
            charts.Series("Conversations", _counts(data, "conversations"), charts.GOLD),
        ],
        fmt_count_short,
        highlight_from=data.current.start,
        title="Calls by day",
    )
    funnel = charts.funnel_chart(data.funnel, title="Calling funnel, report period")
    return {"calls_chart": calls_chart, "funnel_chart": funnel}


def _scope_text(data: ReportData) -> str:
    subs = len(data.account_ids) - 1
    if subs <= 0:
        return "This account"
    return f"This account and its {subs} sub-account{'s' if subs != 1 else ''}, combined"


def _freshness(data: ReportData) -> str:
    if data.latest_data_day is None:
        return "No activity recorded yet."
    if data.latest_data_day <= data.current.end:
        return f"Latest day with activity: {fmt_day(data.latest_data_day, year=True)}."
    return (
        f"Data runs to {fmt_day(data.latest_data_day)}; the report covers complete days up to "
        f"{fmt_day(data.current.end)}."
    )


def _tile(data: ReportData, view: str, key: str, rise_good, note: str) -> str:
    kpi = REGISTRY[view].kpi(key)
    show = FORMATS[kpi.unit]
    value = data.kpis.get(key)
    before = data.previous_kpis.get(key)
    text, tone = change(value, before, kpi.unit, rise_good)
    return (
        f'<div class="tile" data-key="{key}" data-value="{_data_value(value)}">'
        f'<div class="label">{escape(kpi.label)}</div>'
        f'<div class="value">{escape(show(value))}</div>'
        f'<div class="delta {tone}">{escape(text)}'
        f'<span class="was"> vs {escape(show(before))}</span></div>'
        f'<div class="note">{escape(_why_empty(data, key) if value is None else note)}</div></div>'
    )


def _why_empty(data: ReportData, key: str) -> str:
    """Say why a rate has no value (its denominator is 0) rather than leave a bare dash."""
    reasons = {
        "delivery_rate": "no first campaign message in the period",
        "carrier_block_rate": "no campaign message in the period",
        "reply_rate": "no campaign launched in the period",
        "median_response_seconds": "no inbound text answered in the period",
        "opt_out_rate": "no SMS sent in the period",
        "response_rate": "no calls dialed in the period",
        "conversation_rate": "no calls answered in the period",
        "average_call_seconds": "no answered call with a known talk time in the period",
        "lead_to_deal_rate": "no call leads in the period",
        "lead_to_deal_rate_cohort": "no call leads in the period",
    }
    return reasons.get(key, "no data in the period")


def _credits_tile(data: ReportData) -> str:
    used, allowance = data.kpis.get("credits_used"), data.kpis.get("credit_allowance")
    share = f"{used / allowance:.0%} of {allowance:,}" if allowance else "no allowance set"
    return (
        f'<div class="tile wide" data-key="credits_used" data-value="{_data_value(used)}">'
        '<div class="label">Credits used this billing period</div>'
        f'<div class="value">{fmt_count(used)}</div>'
        f'<div class="delta flat">{escape(share)}</div>'
        f"{charts.usage_bar(int(used or 0), allowance, data.kpis.get('credits_projected'), 240)}"
        "</div>"
    )


def _data_value(value: Any) -> str:
    return (
        ""
        if value is None
        else escape(repr(float(value)) if isinstance(value, float) else str(value))
    )


def _funnel_note(data: ReportData) -> str:
    dialed = dict(data.funnel).get("Dialed", 0)
    deals = dict(data.funnel).get("Deals closed", 0)
    if not dialed:
        return "No outbound calls in the report period."
    return (
        f"{dialed:,} calls dialed led to {deals:,} closed deal{'s' if deals != 1 else ''}. "
        "Percentages are each stage's share of the stage before it."
    )


def _templates_section(data: ReportData) -> str:
    if not data.templates:
        return '<p class="muted">No campaign messages from a template in the last 30 days.</p>'
    overall = data.overall_block_rate
    accounts = {a["account_id"]: a["account_name"] for a in data.sub_accounts}
    rows = []
    flagged = 0
    for rank, t in enumerate(data.templates, start=1):
        block = t["carrier_block_rate"]
        enough = (t["campaign_messages_sent"] or 0) >= MIN_TEMPLATE_MESSAGES
        high = (
            enough
            and block is not None
            and overall is not None
            and block > max(overall * 1.5, overall + 0.01)
        )
        flagged += high
        body = (t["body"] or "").strip()
        snippet = body if len(body) <= 72 else body[:70].rstrip() + "…"
        owner = f"{accounts.get(t['account_id'], t['account_id'])} · " if len(accounts) > 1 else ""
        width = min((block or 0) / max((data.templates[0]["carrier_block_rate"] or 0), 1e-9), 1)
        rows.append(
            f'<tr class="{"flag" if high else ""}" data-template="{escape(t["template_id"])}">'
            f'<td class="num">{rank}</td>'
            f'<td><div class="tname">{escape(t["template_name"])}'
            f"{' <span class=pill>check wording</span>' if high else ''}</div>"
            f'<div class="snippet">{escape(owner)}{escape(snippet)}</div></td>'
            f'<td class="num">{fmt_count(t["campaign_messages_sent"])}</td>'
            f'<td class="num">{fmt_count(t["carrier_blocked_messages"])}</td>'
            f'<td class="num"><div class="barcell"><span class="bar" '
            f'style="width:{width * 100:.0f}%"></span><b>{fmt_rate(block)}</b></div></td>'
            f'<td class="num">{fmt_rate(t["delivery_rate"])}</td></tr>'
        )
    summary = (
        f"{flagged} template{'s' if flagged != 1 else ''} above the usual block rate "
        f"({fmt_rate(overall)} across all campaign messages)."
        if flagged
        else f"No template stands out from the overall block rate of {fmt_rate(overall)}."
    )
    return (
        f'<p class="lead">{escape(summary)}</p>'
        '<table class="templates"><thead><tr><th>#</th><th>Template</th>'
        '<th class="num">Campaign msgs</th><th class="num">Blocked</th>'
        '<th class="num">Block rate</th><th class="num">Delivery rate</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<div class="advice"><b>What to do</b> {escape(CARRIER_BLOCK_ADVICE)}</div>'
    )


def _credits_section(data: ReportData) -> str:
    if not data.credits:
        return '<p class="muted">No billing period covers the report period.</p>'
    rows = []
    for c in data.credits:
        allowance = c.get("credit_allowance")
        used = int(c.get("credits_used") or 0)
        projected = c.get("credits_projected")
        share = fmt_rate(used / allowance, 0) if allowance else "–"
        rows.append(
            f'<tr data-account="{escape(c["account_id"])}"><td>{escape(c["account_name"])}</td>'
            f"<td>{escape(c['period_start'].strftime('%-d %b'))} – "
            f"{escape(c['period_end'].strftime('%-d %b'))}</td>"
            f'<td class="num">{fmt_count(used)}</td><td class="num">{fmt_count(allowance)}</td>'
            f'<td class="num">{share}</td>'
            f"<td>{charts.usage_bar(used, allowance, projected, 220)}</td>"
            f'<td class="num">{fmt_count(round(projected) if projected is not None else None)}'
            "</td></tr>"
        )
    used = data.kpis.get("credits_used")
    allowance = data.kpis.get("credit_allowance")
    projected = data.kpis.get("credits_projected")
    over = projected is not None and allowance and projected > allowance
    headline = (
        f"{fmt_count(used)} of {fmt_count(allowance)} credits used"
        + (f" ({used / allowance:.0%})" if allowance else "")
        + (
            f"; at the current pace the period ends near {fmt_count(round(projected))}"
            if projected is not None
            else ""
        )
        + (" — above the allowance." if over else ".")
    )
    return (
        f'<p class="lead">{escape(headline)}</p>'
        '<table><thead><tr><th>Account</th><th>Billing period</th><th class="num">Used</th>'
        '<th class="num">Allowance</th><th class="num">Share</th><th>Used vs allowance '
        '<span class="muted">(tick: projected)</span></th><th class="num">Projected</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        '<p class="muted">Unused credits do not roll over. Projection = credits used so far '
        "÷ days elapsed × days in the period.</p>"
    )


def _accounts_section(data: ReportData) -> str:
    if not data.by_account:
        return ""
    rows = "".join(
        f"<tr><td>{escape(a['account_name'])}</td>"
        f'<td class="num">{fmt_count(a["sms_sent"])}</td>'
        f'<td class="num">{fmt_rate(a["delivery_rate"])}</td>'
        f'<td class="num">{fmt_rate(a["carrier_block_rate"])}</td>'
        f'<td class="num">{fmt_rate(a["reply_rate"])}</td>'
        f'<td class="num">{fmt_seconds(a["median_response_seconds"])}</td>'
        f'<td class="num">{fmt_count(a["calls_dialed"])}</td>'
        f'<td class="num">{fmt_count(a["deals_closed"])}</td></tr>'
        for a in data.by_account
    )
    return (
        '<section><h2>By account <span class="muted">report period</span></h2>'
        '<table><thead><tr><th>Account</th><th class="num">SMS sent</th>'
        '<th class="num">Delivery</th><th class="num">Carrier block</th>'
        '<th class="num">Reply rate</th><th class="num">Median response</th>'
        '<th class="num">Calls dialed</th><th class="num">Deals</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )
