"""Which staged rows a reference world reads: an account scope whole, or one campaign's slice.

A campaign's slice is every contact the campaign touched in the scope's accounts (a message,
enrollment, call, opt event or lead naming it), each with its whole history: all its messages
(of every campaign, manual ones too) with their delivery events and clicks, its enrollments,
calls, opt events, leads and their deals, labels; plus the campaign's rows without a contact
(a call) and the rows that point at a slice row (a lead naming a slice call). What the rules
of a campaign's numbers read is one contact's history, never another contact's: attribution and
reply detection look back over the contact's messages, opt-outs link to its enrollments and
messages, a lead to its call or message. So a report filtered to the campaign comes out the
same from the slice as from the whole account, for every number that applies the campaign
filter; those that ignore it (the account's median response time, its labels) are
account-wide and cannot be compared on a slice. The small tables (accounts, users, inboxes,
numbers, labels, templates, campaigns, steps, senders) are read for the whole scope.

DuckDB only chooses rows here (and counts them for the row budget); every number is the
reference's. The slice grows with one campaign's contacts, not with the account.
"""

from __future__ import annotations

T = "staging.stg_platform__"
IN_SCOPE = "list_contains($accounts, account_id)"
SCOPE_CAMPAIGNS = f"select campaign_id from {T}campaigns where {IN_SCOPE}"

# (campaign, contact) for every row that names a campaign and a contact, in the scope.
TOUCHES = f"""
    select campaign_id, contact_id from {T}messages
    where {IN_SCOPE} and campaign_id is not null
    union all
    select campaign_id, contact_id from {T}calls
    where {IN_SCOPE} and campaign_id is not null and contact_id is not null
    union all
    select campaign_id, contact_id from {T}opt_events
    where {IN_SCOPE} and campaign_id is not null
    union all
    select campaign_id, contact_id from {T}leads
    where {IN_SCOPE} and campaign_id is not null
    union all
    select campaign_id, contact_id from {T}campaign_enrollments
    where campaign_id in ({SCOPE_CAMPAIGNS})
"""


def slice_sizes(con, accounts: list[str]) -> dict[str, int]:
    """Per campaign of the scope, the messages its slice holds (the row budget's measure)."""
    sql = f"""
        with touched as (select distinct campaign_id, contact_id from ({TOUCHES})),
        per_contact as (
            select contact_id, count(*) as messages from {T}messages
            where {IN_SCOPE} group by contact_id
        )
        select t.campaign_id, coalesce(sum(p.messages), 0)
        from touched as t left join per_contact as p on t.contact_id = p.contact_id
        where t.campaign_id in ({SCOPE_CAMPAIGNS})
        group by t.campaign_id
    """
    return dict(con.execute(sql, {"accounts": accounts}).fetchall())


def contacts_of(con, accounts: list[str], campaign: str) -> list[str]:
    """The contacts the campaign touched in the scope: the slice's contacts."""
    return contacts_by_campaign(con, accounts, [campaign]).get(campaign, [])


def contacts_by_campaign(con, accounts: list[str], campaigns: list[str]) -> dict[str, list[str]]:
    """Each campaign's slice contacts in the scope, for several campaigns in one read."""
    sql = (
        f"select distinct campaign_id, contact_id from ({TOUCHES}) "
        "where campaign_id in (select unnest($campaigns))"
    )
    found: dict[str, list[str]] = {campaign: [] for campaign in campaigns}
    rows = con.execute(sql, {"accounts": accounts, "campaigns": campaigns}).fetchall()
    for campaign, contact in rows:
        found[campaign].append(contact)
    return {campaign: sorted(contacts) for campaign, contacts in found.items()}


_CONTACT = "contact_id in (select unnest($contacts))"
_MESSAGES = f"select message_id from {T}messages where {IN_SCOPE} and {_CONTACT}"
_CALLS = (
    f"select call_id from {T}calls where {IN_SCOPE} and ({_CONTACT} or campaign_id = $campaign)"
)
_ENROLLMENTS = (
    f"select enrollment_id from {T}campaign_enrollments "
    f"where campaign_id in ({SCOPE_CAMPAIGNS}) and {_CONTACT}"
)
_LEADS = (
    f"select lead_id from {T}leads where {IN_SCOPE} and ({_CONTACT} or campaign_id = $campaign "
    f"or call_id in ({_CALLS}) or message_id in ({_MESSAGES}))"
)
BY_CAMPAIGN = ("campaign_steps", "campaign_senders")
BY_MESSAGE = ("message_events", "link_clicks")


def scope_condition(entity: str) -> str:
    """The condition keeping one entity's rows of the accounts in parameter $accounts."""
    if entity in (*BY_CAMPAIGN, "campaign_enrollments"):
        return f"campaign_id in ({SCOPE_CAMPAIGNS})"
    if entity in BY_MESSAGE:
        return f"message_id in (select message_id from {T}messages where {IN_SCOPE})"
    return IN_SCOPE


def slice_condition(entity: str) -> str:
    """The condition keeping one entity's rows of a campaign's slice (parameters $accounts,
    $campaign, $contacts: the slice's contacts)."""
    if entity in BY_CAMPAIGN:
        return scope_condition(entity)
    if entity in BY_MESSAGE:
        return f"message_id in ({_MESSAGES})"
    return {
        "messages": f"{IN_SCOPE} and {_CONTACT}",
        "contacts": f"{IN_SCOPE} and {_CONTACT}",
        "contact_labels": f"{IN_SCOPE} and {_CONTACT}",
        "calls": f"call_id in ({_CALLS})",
        "campaign_enrollments": f"enrollment_id in ({_ENROLLMENTS})",
        "opt_events": (
            f"{IN_SCOPE} and ({_CONTACT} or campaign_id = $campaign "
            f"or message_id in ({_MESSAGES}) or enrollment_id in ({_ENROLLMENTS}))"
        ),
        "leads": f"lead_id in ({_LEADS})",
        "deals": f"{IN_SCOPE} and lead_id in ({_LEADS})",
    }.get(entity, IN_SCOPE)
