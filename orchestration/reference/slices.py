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
IN_UNION = "list_contains($union, account_id)"
SCOPE_CAMPAIGNS = f"select campaign_id from {T}campaigns where {IN_SCOPE}"


def _touches(kept: str) -> str:
    """(account, campaign, contact) for every row of the accounts in $union that names a
    campaign (``kept``: a condition on campaign_id ``c``) and a contact; an enrollment's
    account is its campaign's. A scope's touches are those of its accounts (an enrollment's:
    of a campaign of the scope)."""
    named = kept.format(c="campaign_id")
    return f"""
        select account_id, campaign_id, contact_id from {T}messages where {IN_UNION} and {named}
        union all
        select account_id, campaign_id, contact_id from {T}calls
        where {IN_UNION} and {named} and contact_id is not null
        union all
        select account_id, campaign_id, contact_id from {T}opt_events where {IN_UNION} and {named}
        union all
        select account_id, campaign_id, contact_id from {T}leads where {IN_UNION} and {named}
        union all
        select c.account_id, e.campaign_id, e.contact_id from {T}campaign_enrollments as e
        inner join {T}campaigns as c on e.campaign_id = c.campaign_id
        where list_contains($union, c.account_id) and {kept.format(c="e.campaign_id")}
    """


# The scopes of one read (parameters $scope_nos and $scope_accounts, side by side): scope number
# -> its accounts.
MEMBERS = "select unnest($scope_nos) as scope_no, unnest($scope_accounts) as account_id"


def _scopes(scopes: list[list[str]]) -> dict[str, list]:
    return {
        "scope_nos": [n for n, accounts in enumerate(scopes) for _ in accounts],
        "scope_accounts": [a for accounts in scopes for a in accounts],
        "union": sorted({a for accounts in scopes for a in accounts}),
    }


def slice_sizes(con, accounts: list[str]) -> dict[str, int]:
    """Per campaign of the scope, the messages its slice holds (the row budget's measure)."""
    return slice_sizes_of(con, [accounts])[0]


# Per scope (MEMBERS): its campaigns.
SCOPE_CAMPAIGNS_OF = f"""
    members as ({MEMBERS}),
    scope_campaigns as (
        select m.scope_no, c.campaign_id from {T}campaigns as c
        inner join members as m on c.account_id = m.account_id
    )
"""
# Per scope, each contact's messages in the scope's accounts (the contacts {contacts} keeps).
PER_CONTACT = f"""
    per_account as (
        select account_id, contact_id, count(*) as messages from {T}messages
        where {IN_UNION}{{contacts}} group by account_id, contact_id
    ),
    per_contact as (
        select m.scope_no, p.contact_id, sum(p.messages) as messages from per_account as p
        inner join members as m on p.account_id = m.account_id
        group by m.scope_no, p.contact_id
    )
"""
# The scopes' campaigns whose enrolled contacts hold at most $budget messages in the scope: a
# lower bound of the slice (its enrollments are among its touches).
MAY_FIT = f"""
    enrolled as (
        select distinct c.account_id, e.campaign_id, e.contact_id
        from {T}campaign_enrollments as e
        inner join {T}campaigns as c on e.campaign_id = c.campaign_id
        where list_contains($union, c.account_id)
    ),
    lower_bounds as (
        select m.scope_no, e.campaign_id, sum(p.messages) as messages
        from enrolled as e
        inner join members as m on e.account_id = m.account_id
        inner join per_contact as p on m.scope_no = p.scope_no and e.contact_id = p.contact_id
        group by m.scope_no, e.campaign_id
    )
    select s.scope_no, s.campaign_id from scope_campaigns as s
    left join lower_bounds as b on s.scope_no = b.scope_no and s.campaign_id = b.campaign_id
    where coalesce(b.messages, 0) <= $budget
"""
CANDIDATES = """
    inner join (
        select unnest($candidate_nos) as scope_no, unnest($candidate_campaigns) as campaign_id
    ) as candidates
        on m.scope_no = candidates.scope_no and t.campaign_id = candidates.campaign_id
"""


def slice_sizes_of(con, scopes: list[list[str]], budget: int | None = None) -> list[dict[str, int]]:
    """slice_sizes for several scopes (each its accounts) in one read: the large tables are
    scanned and their touches and contacts' messages counted once per account, not per scope
    (scopes overlap: a root rolled up holds its sub-accounts). With ``budget``, only the
    campaigns whose slice may fit it are sized, each exactly (every one that fits is there):
    a slice holds at least its enrolled contacts' messages, so a campaign whose enrolled
    contacts alone hold more is left out unsized (MAY_FIT). At M that leaves 25 of 155 slices
    to size, and only their touches and contacts to count."""
    if not scopes:
        return []
    params, kept, candidates, contacts = _scopes(scopes), "{c} is not null", "", ""
    if budget is not None:
        pairs = con.execute(
            f"with {SCOPE_CAMPAIGNS_OF}, {PER_CONTACT.format(contacts='')}, {MAY_FIT}",
            {**params, "budget": budget},
        ).fetchall()
        if not pairs:
            return [{} for _ in scopes]
        params["candidate_nos"] = [scope_no for scope_no, _ in pairs]
        params["candidate_campaigns"] = [campaign for _, campaign in pairs]
        params["campaigns"] = sorted({campaign for _, campaign in pairs})
        kept, candidates = "list_contains($campaigns, {c})", CANDIDATES
        contacts = " and contact_id in (select contact_id from touched)"
    sql = f"""
        with {SCOPE_CAMPAIGNS_OF},
        touched_by_account as (
            select distinct account_id, campaign_id, contact_id from ({_touches(kept)})
        ),
        touched as (
            select distinct m.scope_no, t.campaign_id, t.contact_id
            from touched_by_account as t
            inner join members as m on t.account_id = m.account_id
            inner join scope_campaigns as s
                on m.scope_no = s.scope_no and t.campaign_id = s.campaign_id
            {candidates}
        ),
        {PER_CONTACT.format(contacts=contacts)}
        select t.scope_no, t.campaign_id, coalesce(sum(p.messages), 0)
        from touched as t
        left join per_contact as p on t.scope_no = p.scope_no and t.contact_id = p.contact_id
        group by t.scope_no, t.campaign_id
    """
    out: list[dict[str, int]] = [{} for _ in scopes]
    for scope_no, campaign, messages in con.execute(sql, params).fetchall():
        out[scope_no][campaign] = int(messages)
    return out


def contacts_of(con, accounts: list[str], campaign: str) -> list[str]:
    """The contacts the campaign touched in the scope: the slice's contacts."""
    return slice_contacts(con, [(accounts, campaign)])[0]


def slice_contacts(con, wanted: list[tuple[list[str], str]]) -> list[list[str]]:
    """The contacts of several slices (each: its scope's accounts and campaign), in one read."""
    if not wanted:
        return []
    sql = f"""
        with members as ({MEMBERS}),
        slices as (select unnest($slice_nos) as scope_no, unnest($slice_campaigns) as campaign_id)
        select distinct m.scope_no, t.contact_id
        from ({_touches("list_contains($campaigns, {c})")}) as t
        inner join members as m on t.account_id = m.account_id
        inner join slices as s on m.scope_no = s.scope_no and t.campaign_id = s.campaign_id
    """
    params = _scopes([accounts for accounts, _ in wanted])
    params["slice_nos"] = list(range(len(wanted)))
    params["slice_campaigns"] = [campaign for _, campaign in wanted]
    params["campaigns"] = sorted(set(params["slice_campaigns"]))
    out: list[list[str]] = [[] for _ in wanted]
    for scope_no, contact in con.execute(sql, params).fetchall():
        out[scope_no].append(contact)
    return [sorted(contacts) for contacts in out]


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
