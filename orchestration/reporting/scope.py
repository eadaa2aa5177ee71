"""What a report is over: the account roll-up, the local date range and the filters, as SQL
conditions for the views; and the reply-rate selection that two messaging tables share.

Every filter value reaches the SQL as a parameter (``sql.Where``). Which filter a KPI honours is
the registry's (orchestration.kpi_registry); ``Scope.where_for`` applies exactly those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from orchestration.kpi_registry.definitions import CAMPAIGNS, DATE_RANGE, TEMPLATES, View
from orchestration.reporting.access import account_tree, resolve_account
from orchestration.reporting.dates import DateRangeArg, InvalidDateRange, local_today, resolve_range
from orchestration.reporting.source import ReportError, UnknownFilterValue
from orchestration.reporting.sql import Where, rows


@dataclass
class Scope:
    con: Any
    account_id: str
    include_sub_accounts: bool
    account_ids: list[str]
    time_zone: str
    today: date
    date_from: date | None
    date_to: date | None
    campaign_ids: list[str] | None
    template_ids: list[str] | None
    step_numbers: list[int] | None
    tracker: str | None
    contact_id: str | None
    bucket: str
    # The section tables the caller reads (None: every one): a view skips computing the others.
    sections: frozenset[str] | None = None

    def wants(self, section: str) -> bool:
        """Whether the caller reads section table ``section`` (report()'s ``sections``)."""
        return self.sections is None or section in self.sections

    def where(
        self,
        *,
        date_column: str | None = "date_day",
        campaign_column: str | None = None,
        template_column: str | None = None,
        account_column: str = "account_id",
    ) -> Where:
        w = Where().add(f"list_contains(?, {account_column})", self.account_ids)
        if date_column and self.date_from is not None:
            w.add(f"{date_column} >= ?", self.date_from)
        if date_column and self.date_to is not None:
            w.add(f"{date_column} <= ?", self.date_to)
        if campaign_column and self.campaign_ids:
            w.add(f"list_contains(?, {campaign_column})", self.campaign_ids)
        if template_column and self.template_ids:
            w.add(f"list_contains(?, {template_column})", self.template_ids)
        return w

    def where_for(
        self,
        view: View,
        key: str,
        table: str = "kpis",
        *,
        date_column: str = "date_day",
        campaign_column: str = "campaign_id",
        template_column: str = "template_id",
    ) -> Where:
        """The conditions of one registered KPI: the account scope and the filters it honours."""
        honours = view.honours(key, table)
        return self.where(
            date_column=date_column if DATE_RANGE in honours else None,
            campaign_column=campaign_column if CAMPAIGNS in honours else None,
            template_column=template_column if TEMPLATES in honours else None,
        )

    @property
    def scope_label(self) -> str:
        return f"account {self.account_id}" + (
            " or its sub-accounts" if self.include_sub_accounts else ""
        )


def as_list(values: str | Iterable[Any] | None) -> list[Any] | None:
    if values is None:
        return None
    if isinstance(values, str | int):
        values = [values]
    out = list(dict.fromkeys(values))
    return out or None


def open_scope(
    con,
    view: View,
    account_id: str | None,
    include_sub_accounts: bool,
    date_range: DateRangeArg,
    today: date | str | None,
    filters: dict[str, Any],
    bucket: str,
    allowed_accounts: Iterable[str] | None,
) -> Scope:
    """Resolve the account (allow-list applied), its roll-up and the local date range, and check
    that every chosen campaign, template, tracker and contact exists in that scope."""
    account = resolve_account(con, account_id, allowed_accounts)
    account_ids = account_tree(con, account["account_id"], include_sub_accounts)
    try:
        pinned = date.fromisoformat(today) if isinstance(today, str) else today
    except ValueError:
        raise InvalidDateRange(f"today {today!r} is not a YYYY-MM-DD date") from None
    local = pinned or local_today(account["time_zone"])
    start, end = resolve_range(date_range, local) if view.dated else (None, None)
    scope = Scope(
        con=con, account_id=account["account_id"], include_sub_accounts=include_sub_accounts,
        account_ids=account_ids, time_zone=account["time_zone"], today=local,
        date_from=start, date_to=end, bucket=bucket, **filters,
    )  # fmt: skip
    for what, table, column, values in (
        ("campaign", "dim_campaigns", "campaign_id", scope.campaign_ids),
        ("template", "dim_templates", "template_id", scope.template_ids),
        ("tracker", "dim_phone_numbers", "phone_number_id", _one_or_none(scope.tracker)),
        ("contact", "dim_contacts", "contact_id", _one_or_none(scope.contact_id)),
    ):
        if values:
            _check_known(con, what, table, column, values, scope)
    return scope


def _one_or_none(value: str | None) -> list[str] | None:
    return None if value is None else [value]


def _check_known(con, what: str, table: str, column: str, values, scope: Scope) -> None:
    found = {
        r["v"]
        for r in rows(
            con,
            f"select {column} as v from marts.{table} "
            f"where list_contains(?, {column}) and list_contains(?, account_id)",
            [list(values), scope.account_ids],
        )
    }
    missing = [v for v in values if v not in found]
    if missing:
        names = ", ".join(repr(v) for v in missing)
        raise UnknownFilterValue(
            f"{what} {names} does not exist in {scope.scope_label}"
            if len(missing) == 1
            else f"{what}s {names} do not exist in {scope.scope_label}"
        )


def checked_filters(view: View, **given: Any) -> dict[str, Any]:
    """The optional filters as the views use them (ids as strings, lists deduplicated), or an
    error naming those the view does not take."""
    campaigns, templates = as_list(given["campaign_ids"]), as_list(given["template_ids"])
    steps = as_list(given["step_numbers"])
    filters = {
        "campaign_ids": None if campaigns is None else [str(v) for v in campaigns],
        "template_ids": None if templates is None else [str(v) for v in templates],
        "step_numbers": steps,
        "tracker": None if given["tracker"] is None else str(given["tracker"]),
        "contact_id": None if given["contact_id"] is None else str(given["contact_id"]),
    }
    not_taken = sorted(k for k, v in filters.items() if v is not None and k not in view.filters)
    if not_taken:
        raise ReportError(
            f"the {view.name} view does not take the filter(s): {', '.join(not_taken)}"
        )
    if steps is not None:
        filters["step_numbers"] = [int(s) for s in steps]
    return filters


def reply_rate_selection(s: Scope) -> tuple[str, list[Any]]:
    """The reply-rate population as SQL CTEs ``enrolled`` and ``first_replies`` (one definition
    for the headline and the per-step rows; kpi-spec Messaging, reply_rate).

    ``enrolled`` (the denominator): campaign x contact enrolled in the selected campaigns, i.e.
    the chosen ones, else every campaign launched in range; with templates chosen, only
    contacts the campaign sent one of them. ``first_replies`` (the numerator): the same rows
    whose first reply to the campaign falls in range (credited to a chosen template), one row
    per contact, at its earliest such reply, so the numerator is a subset of the denominator
    and a contact counts once, at the step of its first reply.
    """
    we = s.where(
        date_column=None if s.campaign_ids else "campaign_launched_date_day",
        campaign_column="campaign_id",
        account_column="c.account_id",
    ).add("c.is_enrolled")
    if not s.campaign_ids:
        # "launched in range": a campaign never launched is in no range, all time included
        we.add("c.campaign_launched_date_day is not null")
    if s.template_ids:
        we.add(
            "exists (select 1 from marts.fct_messaging_contact_days as d "
            "where d.campaign_id = c.campaign_id and d.contact_id = c.contact_id "
            "and list_contains(?, d.template_id) and d.messages_sent > 0)",
            s.template_ids,
        )
    wr = Where()
    if s.date_from is not None:
        wr.add("first_reply_date_day >= ?", s.date_from)
    if s.date_to is not None:
        wr.add("first_reply_date_day <= ?", s.date_to)
    if s.template_ids:
        wr.add("list_contains(?, first_reply_template_id)", s.template_ids)
    wr.add("has_replied")
    sql = f"""
        with enrolled as (
            select c.* from marts.fct_campaign_contacts as c where {we.sql()}
        ),

        ranked_replies as (
            select
                *,
                row_number() over (
                    partition by contact_id order by first_replied_at, campaign_id
                ) as reply_rank
            from enrolled
            where {wr.sql()}
        ),

        first_replies as (
            select * from ranked_replies where reply_rank = 1
        )
    """
    return sql, [*we.params, *wr.params]
