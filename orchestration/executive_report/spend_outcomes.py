"""Issue 13 in the executive report: spend per currency and the top error codes of the report
period, and each listed template's all-time rates with their 95 % Wilson intervals (so a reader
sees whether a template's block or reply rate really differs). Every number comes from the
reporting API (messaging's spend_by_currency, delivery-status, compare), like the rest of the
report."""

from __future__ import annotations

from html import escape
from typing import Any

TOP_ERROR_CODES = 5


def gather(api, period: tuple, template_ids: list[str]) -> dict[str, Any]:
    """spend (rows per currency), error_codes (the most frequent final error codes) over the
    period, and template_intervals (template id -> its compare row, all time)."""
    delivery = api("delivery-status", period, sections=["by_error_code"])
    intervals = {}
    if template_ids:
        compared = api("compare", None, sections=["templates"], template_ids=template_ids)
        intervals = {row["template_id"]: row for row in compared.sections["templates"]}
    return {
        "spend": api("messaging", period, sections=["spend_by_currency"]).sections[
            "spend_by_currency"
        ],
        "error_codes": delivery.sections["by_error_code"][:TOP_ERROR_CODES],
        "outbound_messages": delivery.kpis["outbound_messages"],
        "template_intervals": intervals,
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def interval_cell(row: dict[str, Any] | None, key: str) -> str:
    """'12.5% (8.1–18.9%) · 9/72' for a template's all-time rate, its interval and counts."""
    if row is None or row.get(key) is None:
        return '<td class="num muted">–</td>'
    numerator, denominator = {
        "reply_rate": ("replied_contacts", "enrolled_contacts"),
        "carrier_block_rate": ("carrier_blocked_messages", "campaign_messages_sent"),
        "delivery_rate": ("delivered_first_messages", "first_messages_sent"),
    }[key]
    return (
        f'<td class="num">{_pct(row[key])} '
        f'<span class="muted">({_pct(row[f"{key}_lower"])}–{_pct(row[f"{key}_upper"])}) · '
        f"{row[numerator]:,}/{row[denominator]:,}</span></td>"
    )


def spend_section(spend: list[dict[str, Any]], error_codes: list[dict[str, Any]],
                  outbound_messages: int) -> str:  # fmt: skip
    """Spend per currency and the top error codes, side by side."""
    priced = [r for r in spend if r["priced_messages"]]
    unpriced = sum(r["unpriced_messages"] for r in spend)
    spend_rows = (
        "".join(
            f"<tr><td>{escape(r['price_unit'] or 'no currency')}</td>"
            f'<td class="num"><b>{r["spend"]:,.2f}</b></td>'
            f'<td class="num">{r["priced_messages"]:,}</td>'
            f'<td class="num">{r["spend_per_priced_message"]:,.4f}</td></tr>'
            for r in priced
        )
        or '<tr><td colspan="4" class="muted">No priced message in the period.</td></tr>'
    )
    code_rows = (
        "".join(
            f"<tr><td><b>{escape(r['error_code'])}</b> "
            f'<span class="snippet">{escape(r["error_description"] or "not in the code list")}'
            f"</span></td><td>{escape(r['delivery_outcome'])}</td>"
            f'<td class="num">{r["error_code_messages"]:,}</td></tr>'
            for r in error_codes
        )
        or '<tr><td colspan="3" class="muted">No failed message in the period.</td></tr>'
    )
    return (
        '<div class="grid2"><div>'
        '<table><thead><tr><th>Currency</th><th class="num">Spend</th>'
        '<th class="num">Priced msgs</th><th class="num">Per msg</th></tr></thead>'
        f"<tbody>{spend_rows}</tbody></table>"
        f'<p class="muted">{unpriced:,} message{"s" if unpriced != 1 else ""} without a price '
        "(cost unknown, not counted as free); currencies are never added together.</p></div>"
        "<div><table><thead><tr><th>Top error codes</th><th>Outcome</th>"
        '<th class="num">Messages</th></tr></thead>'
        f"<tbody>{code_rows}</tbody></table>"
        f'<p class="muted">of {outbound_messages:,} outbound messages in the period.</p>'
        "</div></div>"
    )
