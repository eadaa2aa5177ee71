"""Which accounts and date ranges the formula checks compare (sampled, reproducible).

A few root accounts (each with its sub-accounts rolled up) and a few of the accounts with the
most messages, each alone, drawn with a fixed seed; for each: all time, the last 7 local days of
its data, and a week around the first daylight-saving change in the data (kpi-spec ground rule
1). The reference recomputes in plain Python, holding every row it reads, so a row budget
bounds its memory: a scope with at most ``row_budget()`` messages is compared whole; a larger
one on up to SAMPLED_CAMPAIGNS of its campaigns whose slice (one campaign's contacts with their
whole history, orchestration.reference.slices) fits the budget, each as the API's campaign
filter asks for it, so the check holds one campaign's contacts, not the account (and a rolled-up
root over the budget brings a rolled-up sub-account that fits it). A scope with no such
campaign is not compared; the differential tests still compare whole worlds.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from orchestration.reference.slices import slice_sizes_of

SAMPLED_ROOTS = 2  # rolled up
SAMPLED_ACCOUNTS = 3  # alone, among the 20 with the most messages
SAMPLED_CAMPAIGNS = 2  # per scope over the row budget: the campaigns whose slices are compared
ROW_BUDGET_ENV = "COMMS_REFERENCE_ROW_BUDGET"
# Messages one reference world may hold (their events, clicks and the other rows come in
# proportion): the demo's whole world (248 k messages) peaked at 1.6 GiB, 100 k at 0.7 GiB.
# At M every account but one has a campaign whose slice fits 150 k (the smallest: 33-135 k).
DEFAULT_ROW_BUDGET = 150_000


def row_budget() -> int:
    return int(os.environ.get(ROW_BUDGET_ENV, DEFAULT_ROW_BUDGET))


@dataclass(frozen=True)
class Request:
    """One report request: an account scope and a range, as the reporting API takes them."""

    account_id: str
    include_sub_accounts: bool
    range_name: str
    date_range: tuple[str, str] | str
    today: date | None
    campaign_id: str | None = None  # the campaign's slice of a scope over the row budget

    def api_arguments(self) -> dict:
        arguments = {
            "account_id": self.account_id,
            "include_sub_accounts": self.include_sub_accounts,
            "date_range": self.date_range,
            "today": self.today,
            "bucket": "month",  # few rows: the day rows are proven by the differential tests
        }
        if self.campaign_id is not None:
            arguments["campaign_ids"] = [self.campaign_id]
        return arguments

    @property
    def scope(self) -> tuple[str, bool, str | None]:
        """What one reference world is read for: the account scope, or a campaign's slice."""
        return self.account_id, self.include_sub_accounts, self.campaign_id


def account_messages(con) -> dict[str, int]:
    """Each account's staged messages: what the row budget counts."""
    return dict(
        con.execute(
            "select account_id, count(*) from staging.stg_platform__messages group by account_id"
        ).fetchall()
    )


def children_of(con) -> dict[str | None, list[str]]:
    children: dict[str | None, list[str]] = {}
    for account, parent in con.execute(
        "select account_id, parent_account_id from staging.stg_platform__accounts "
        "order by account_id"
    ).fetchall():
        children.setdefault(parent, []).append(account)
    return children


def scope_accounts(account_id: str, roll_up: bool, children) -> list[str]:
    return descendants(account_id, children) if roll_up else [account_id]


def sample_requests(
    con, seed: int = 9, budget: int | None = None, skipped: list[str] | None = None
) -> list[Request]:
    """The sampled requests; ``skipped`` (when given) receives each sampled scope over the
    budget that no campaign's slice fits, so it has none."""
    accounts = con.execute(
        "select account_id, parent_account_id, time_zone from staging.stg_platform__accounts "
        "order by account_id"
    ).fetchall()
    busiest = [
        account_id
        for (account_id,) in con.execute(
            "select account_id from staging.stg_platform__messages group by account_id "
            "order by count(*) desc, account_id limit 20"
        ).fetchall()
    ]
    span = con.execute(
        "select min(created_at), max(created_at) from staging.stg_platform__messages"
    ).fetchone()
    zones = {a: tz for a, _, tz in accounts}
    draw = random.Random(seed)
    roots = [a for a, parent, _ in accounts if parent is None]
    chosen = [(a, True) for a in sorted(draw.sample(roots, min(SAMPLED_ROOTS, len(roots))))]
    picks = draw.sample(busiest, min(SAMPLED_ACCOUNTS, len(busiest)))
    chosen += [(a, False) for a in sorted(picks)]
    budget = row_budget() if budget is None else budget
    sizes, children = account_messages(con), children_of(con)
    chosen += _roll_ups_within(chosen, sizes, children, budget, draw)
    scopes = [scope_accounts(account_id, roll_up, children) for account_id, roll_up in chosen]
    # the slices of every scope over the budget, sized in one read
    over = list({tuple(a): a for a in scopes if sum(sizes.get(x, 0) for x in a) > budget}.values())
    slices = dict(zip(map(tuple, over), slice_sizes_of(con, over, budget), strict=True))
    out = []
    for (account_id, roll_up), accounts in zip(chosen, scopes, strict=True):
        ranges, last = _account_ranges(span, zones[account_id])
        whole = tuple(accounts) not in slices
        campaigns = [None] if whole else _campaigns_within(slices[tuple(accounts)], budget, draw)
        if not campaigns and skipped is not None:
            skipped.append(account_id + (" with sub-accounts" if roll_up else ""))
        out += [
            Request(account_id, roll_up, name, r, last, campaign)
            for campaign in campaigns
            for name, r in ranges
        ]
    return out


def _account_ranges(span, zone_name: str):
    """An account's sampled ranges (all time, its last 7 days, its first DST week) and the
    last local day of the data (None when there is no message)."""
    ranges: list[tuple[str, tuple[str, str] | str]] = [("all_time", "all_time")]
    if span[1] is None:
        return ranges, None
    zone = ZoneInfo(zone_name)
    first = _aware(span[0]).astimezone(zone).date()
    last = _aware(span[1]).astimezone(zone).date()
    ranges.append(("last_7_days", "last_7_days"))
    dst = first_offset_change(first, last, zone)
    if dst is not None:
        week = (str(dst - timedelta(days=3)), str(dst + timedelta(days=3)))
        ranges.append((f"dst_week_{dst}", week))
    return ranges, last


def _roll_ups_within(chosen, sizes, children, budget: int, draw: random.Random) -> list:
    """For each rolled-up root over the budget, one of its sub-accounts that has sub-accounts
    of its own and fits the budget rolled up, when there is one: the views a slice cannot
    answer still see accounts roll up (ground rule 2)."""

    def size(account_id: str) -> int:
        return sum(sizes.get(a, 0) for a in descendants(account_id, children))

    out = []
    for root in [a for a, roll_up in chosen if roll_up and size(a) > budget]:
        fitting = sorted(
            a for a in descendants(root, children) if a != root and children.get(a)
            and size(a) <= budget
        )  # fmt: skip
        if fitting:
            out.append((draw.choice(fitting), True))
    return out


def _campaigns_within(sizes: dict[str, int], budget: int, draw: random.Random) -> list[str]:
    """Up to SAMPLED_CAMPAIGNS of the scope's campaigns (their slices' ``sizes``) whose slice
    fits the budget."""
    fitting = sorted(c for c, messages in sizes.items() if messages <= budget)
    return sorted(draw.sample(fitting, min(SAMPLED_CAMPAIGNS, len(fitting))))


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=ZoneInfo("UTC"))


def first_offset_change(first: date, last: date, zone: ZoneInfo) -> date | None:
    """The first local day in [first, last] whose UTC offset changes (23- or 25-hour day)."""
    day = first
    while day <= last:
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        end = start + timedelta(days=1)
        if start.utcoffset() != end.utcoffset():
            return day
        day += timedelta(days=1)
    return None


NEWEST_DAYS = 2  # the newest changed day and the one before (an export day spans two local days)
OLDER_CHANGED_DAYS = 2  # per account scope, besides its newest changed days
UNCHANGED_DAYS = 1  # per account scope: the fixed random sample of the rest


def changed_requests(
    con, full: list[Request], changed: dict[str, set[date | None]], seed: int = 9
) -> list[Request]:
    """The requests an incremental refresh checks, for the account scopes ``full`` samples.

    ``changed``: account -> the local days of its rows staged since the last passing check
    (None: a change without a day, changes.UNDATED). Per scope (the account, with its
    sub-accounts when rolled up): a change without a day checks its requests of ``full``;
    otherwise its changed days of the newest NEWEST_DAYS (an export day's rows fall on two
    local days in most zones) as one range, up to OLDER_CHANGED_DAYS older changed days (late
    events) and UNCHANGED_DAYS unchanged days of the data's span, each as a one-day range,
    drawn with a fixed seed. The
    undated views answer once per scope whatever the range (compare_view)."""
    children = children_of(con)
    (first,) = con.execute("select min(created_at) from staging.stg_platform__messages").fetchone()
    draw = random.Random(seed)
    out = []
    for (account_id, roll_up, campaign), requests in by_scope(full).items():
        accounts = scope_accounts(account_id, roll_up, children)
        days = set().union(*(changed.get(a, set()) for a in accounts))
        if None in days:
            out += requests
            continue
        today = requests[0].today
        out += [
            Request(account_id, roll_up, name, r, today, campaign)
            for name, r in _ranges(days, draw)
        ]
        if today is not None and first is not None:  # the data's span, its UTC first day on
            start = _aware(first).date()
            span = (start + timedelta(days=i) for i in range((today - start).days + 1))
            rest = [d for d in span if d not in days]
            for day in sorted(draw.sample(rest, min(UNCHANGED_DAYS, len(rest)))):
                unchanged = (str(day),) * 2
                out.append(
                    Request(account_id, roll_up, f"unchanged_{day}", unchanged, today, campaign)
                )
    return out


def by_scope(requests: list[Request]) -> dict[tuple[str, bool, str | None], list[Request]]:
    """The requests grouped by what one reference world is read for (Request.scope)."""
    scopes: dict[tuple[str, bool, str | None], list[Request]] = {}
    for request in requests:
        scopes.setdefault(request.scope, []).append(request)
    return scopes


def descendants(account_id: str, children: dict[str, list[str]]) -> list[str]:
    out, todo = [], [account_id]
    while todo:
        out.append(todo.pop())
        todo.extend(children.get(out[-1], []))
    return out


def _ranges(days: set[date], draw: random.Random) -> list[tuple[str, tuple[str, str]]]:
    """The newest changed days as one range, then older changed days drawn."""
    if not days:
        return []
    newest = max(days)
    first = min(d for d in days if d > newest - timedelta(days=NEWEST_DAYS))
    out = [(f"changed_{first}_to_{newest}", (str(first), str(newest)))]
    older = sorted(d for d in days if d < first)
    for day in sorted(draw.sample(older, min(OLDER_CHANGED_DAYS, len(older)))):
        out.append((f"changed_{day}", (str(day), str(day))))
    return out
