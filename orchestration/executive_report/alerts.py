"""The report's "Alerts" section: carrier-block anomalies (templates and tracking numbers whose
block rate on the last day is far above their own trailing baseline) and the compliance audit's
violations in the report period, both through the reporting API (views
``carrier-block-anomalies`` and ``compliance``), so they equal ``comms-warehouse report``."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from orchestration import settings
from orchestration.reporting.api import Report

RULE_LABELS = {
    "violations_after_opt_out": "sent after the contact opted out",
    "violations_in_quiet_hours": "sent in the recipient's quiet hours (default 21:00–08:00)",
    "violations_to_suppressed_contacts": "sent to contacts suppressed after 3 hard bounces",
}
ANOMALY_ADVICE = (
    "A sudden jump in one template's or number's carrier blocks is usually content filtering "
    "(a new link or wording) or a number flagged by carriers: pause it, check the wording and "
    "links, and compare with the template's last good day."
)


def gather_alerts(api: Callable[..., Report], period: tuple) -> dict[str, Any]:
    """``api(view, date_range)``: the report's own API call (its account roll-up and day)."""
    anomalies = api("carrier-block-anomalies", "all_time")
    compliance = api("compliance", period)
    return {
        "anomalies": [row for row in anomalies.rows if row["is_anomaly"]],
        "violations": compliance.kpis,
    }


def alerts_section(alerts: dict[str, Any], account_names: dict[str, str]) -> str:
    if not alerts:
        return ""
    return (
        '<section><h2>Alerts <span class="muted">carrier-block anomalies on the last day, '
        "compliance in the report period</span></h2>"
        f"{_anomalies(alerts['anomalies'], account_names)}"
        f"{_violations(alerts['violations'])}</section>"
    )


def _anomalies(flagged: list[dict[str, Any]], account_names: dict[str, str]) -> str:
    if not flagged:
        return (
            '<p class="lead">No template or tracking number is blocked far above its own '
            f"trailing {settings.project_vars()['anomaly_baseline_days']}-day rate.</p>"
        )
    rows = []
    for r in flagged:
        what = "Template" if r["dimension"] == "template" else "Number"
        owner = account_names.get(r["account_id"], r["account_id"])
        base = r["baseline_messages_sent"] or 0
        base_rate = (r["baseline_carrier_blocked_messages"] or 0) / base if base else None
        name = r["dimension_name"] or r["dimension_id"]
        rows.append(
            f'<tr class="flag" data-anomaly="{escape(r["dimension_id"])}">'
            f'<td>{what}</td><td><div class="tname">{escape(name)}'
            f'</div><div class="snippet">{escape(owner)} · {escape(str(r["date_day"]))}</div></td>'
            f'<td class="num">{r["carrier_blocked_messages"]} / {r["messages_sent"]}</td>'
            f'<td class="num"><b>{_pct(r["carrier_block_rate"])}</b></td>'
            f'<td class="num">{_pct(base_rate)} of {base}</td>'
            f'<td class="num">{r["z_score"]:.1f}</td></tr>'
        )
    count, rule = len(flagged), settings.project_vars()
    return (
        f'<p class="lead">{count} template{"s" if count != 1 else ""} or number'
        f"{'s' if count != 1 else ''} blocked far above their own baseline on the last day "
        f"(one-sided z-test, z ≥ {rule['anomaly_z_threshold']:g}, at least "
        f"{rule['anomaly_min_day_messages']} messages that day and "
        f"{rule['anomaly_min_baseline_messages']} in the baseline).</p>"
        '<table class="templates anomalies"><thead><tr><th>Kind</th><th>Name</th>'
        '<th class="num">Blocked / sent</th><th class="num">Block rate</th>'
        f'<th class="num">Baseline ({rule["anomaly_baseline_days"]} days)</th>'
        '<th class="num">z</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<div class="advice"><b>What to do</b> {escape(ANOMALY_ADVICE)}</div>'
    )


def _violations(kpis: dict[str, Any]) -> str:
    total = kpis.get("compliance_violations") or 0
    if not total:
        return (
            '<p class="lead compliance" data-violations="0">No compliance violation in the '
            "report period.</p>"
        )
    items = "".join(
        f"<li><b>{kpis.get(key) or 0:,}</b> {escape(label)}</li>"
        for key, label in RULE_LABELS.items()
    )
    return (
        f'<p class="lead compliance" data-violations="{total}">{total:,} messages broke a '
        "texting rule in the report period (list them with "
        "<code>comms-warehouse report compliance</code>):</p>"
        f'<ul class="compliance">{items}</ul>'
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"
