"""The SMS send report (kpi-spec "SMS send report", Apsis-style): per campaign and step, as of
now; contact counts over several sends are distinct contacts."""

from __future__ import annotations

from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import Where, ints, one, rows, whole


def send_where(s: Scope, prefix: str = "") -> Where:
    """The send filters (campaigns, templates, steps) on a table aliased ``prefix``."""
    w = s.where(
        date_column=None,
        campaign_column=f"{prefix}campaign_id",
        template_column=f"{prefix}template_id",
        account_column=f"{prefix}account_id",
    )
    if s.step_numbers:
        w.add(f"list_contains(?, {prefix}step_number)", s.step_numbers)
    return w


def build(s: Scope):
    sends = _sends(s)
    kpis = _distinct_contacts(s)
    kpis["clicks"] = sum(r["clicks"] for r in sends)
    kpis["credits"] = sum(r["credits"] for r in sends)
    return kpis, sends, {"links": _links(s)}


def _sends(s: Scope) -> list[dict]:
    """One row per campaign step sent (mart_send_report), with the campaign's name."""
    w = send_where(s, "r.")
    sends = rows(
        s.con,
        f"""
        select
            r.account_id, r.campaign_id, c.campaign_name, r.step_number, r.template_id,
            r.sent_contacts, r.delivered_contacts, r.soft_bounced_contacts,
            r.hard_bounced_contacts, r.clicks, r.unique_clickers, r.unsubscribed_contacts,
            r.credits
        from marts.mart_send_report as r
        left join marts.dim_campaigns as c on r.campaign_id = c.campaign_id
        where {w.sql()}
        order by r.account_id, r.campaign_id, r.step_number
        """,
        w.params,
    )
    for row in sends:
        row.update(whole(row))
    return sends


def _distinct_contacts(s: Scope) -> dict:
    """The headline contact counts: over several sends, distinct contacts (a contact gets
    several steps)."""
    w = send_where(s)
    return ints(
        one(
            s.con,
            f"""
            select
                count(distinct contact_id) as sent_contacts,
                count(distinct case when was_delivered then contact_id end) as delivered_contacts,
                count(distinct case when is_soft_bounced then contact_id end)
                    as soft_bounced_contacts,
                count(distinct case when is_hard_bounced then contact_id end)
                    as hard_bounced_contacts,
                count(distinct case when clicked then contact_id end) as unique_clickers,
                count(distinct case when unsubscribed then contact_id end)
                    as unsubscribed_contacts
            from marts.fct_send_recipients
            where {w.sql()}
            """,
            w.params,
        )
    )


def _links(s: Scope) -> list[dict]:
    """Clicks per link of each selected send, most clicked first."""
    w = send_where(s, "r.")
    links = rows(
        s.con,
        f"""
        select
            l.campaign_id, l.step_number, l.link_id, l.url, l.clicks, l.unique_clickers
        from marts.mart_send_report_links as l
        inner join marts.mart_send_report as r
            on l.campaign_id = r.campaign_id and l.step_number = r.step_number
        where {w.sql()}
        order by l.campaign_id, l.step_number, l.clicks desc, l.link_id
        """,
        w.params,
    )
    for row in links:
        row.update(whole(row))
    return links
