"""The reporting API: every view of issue 6 over the marts, with KPI keys exactly as in kpi-spec.md.

It opens the warehouse read-only, reads only the ``marts`` schema, and passes every filter value
as a query parameter (lists through ``list_contains(?, column)``): no filter value is ever part
of the SQL text. Rates are ``sum(numerator) / sum(denominator)`` over the filtered rows, null
when the denominator is 0; unique-contact counts and medians are computed from the finest-grain
marts (count(distinct) / median over the filtered rows), as the marts' YAML documents.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from orchestration import settings
from orchestration.reporting.dates import (
    DateRangeArg,
    InvalidDateRange,
    local_today,
    resolve_range,
)

VIEWS = (
    "messaging",
    "calling",
    "campaign-box",
    "send-report",
    "usage",
    "credits",
    "conversations",
    "suppressions",
)
BUCKETS = ("day", "week", "month")

# Views that show a campaign / send "as of now": the date range does not apply to them.
UNDATED_VIEWS = ("campaign-box", "send-report")

# Which optional filters each view accepts (account and date range apply to every view).
VIEW_FILTERS = {
    "messaging": {"campaign_ids", "template_ids"},
    "calling": {"campaign_ids"},
    "campaign-box": {"campaign_ids"},
    "send-report": {"campaign_ids", "template_ids", "step_numbers"},
    "usage": set(),
    "credits": set(),
    "conversations": {"tracker", "contact_id"},
    "suppressions": set(),
}

# KPI keys per view, in display order (kpi-spec.md keys, with each rate's numerator and
# denominator keys beside it).
KPI_KEYS: dict[str, tuple[str, ...]] = {
    "messaging": (
        "campaigns_created", "standard_campaigns_created", "keyword_campaigns_created",
        "sms_sent", "sms_segments_sent",
        "carrier_blocked_messages", "campaign_messages_sent", "carrier_block_rate",
        "replies_received",
        "delivered_first_messages", "first_messages_sent", "delivery_rate",
        "opt_out_messages", "opt_out_rate",
        "opted_out_contacts", "contacts_reached", "opt_out_rate_contacts",
        "ai_filtered_contacts", "ai_filtering_rate",
        "replied_contacts", "enrolled_contacts", "reply_rate",
        "median_response_seconds", "responses_measured", "unanswered_streaks",
        "leads", "sms_to_lead_rate", "delivered_messages", "sms_to_lead_rate_delivered",
        "contact_to_lead_rate",
    ),
    "calling": (
        "calls_dialed", "calls_answered", "calls_answered_by_machine", "conversations",
        "response_rate", "talk_seconds_answered", "calls_with_talk_time", "average_call_seconds",
        "conversation_rate", "conversation_rate_dialed",
        "call_leads", "deals_closed", "call_to_lead_rate", "lead_to_deal_rate",
        "deals_closed_cohort", "lead_to_deal_rate_cohort",
    ),
    "campaign-box": (
        "enrollments", "initials_sent", "segments", "replies", "reply_rate",
        "active_senders", "enrollments_per_sender",
        "auto_opt_outs", "manual_opt_outs", "total_opt_outs",
    ),
    "send-report": (
        "sent_contacts", "delivered_contacts", "soft_bounced_contacts", "hard_bounced_contacts",
        "clicks", "unique_clickers", "unsubscribed_contacts", "credits",
    ),
    "usage": (
        "segments_total", "segments_sent", "segments_received",
        "calls_total", "calls_inbound", "calls_outbound", "calls_forwarded",
        "new_contacts", "opted_in_contacts", "opted_out_contacts", "credits_used",
    ),
    "credits": ("credits_used", "credit_allowance", "credits_remaining", "credits_projected"),
    "conversations": (
        "conversations", "conversation_messages", "conversation_inbound_messages",
        "conversation_outbound_messages",
    ),
    "suppressions": ("suppressed_contacts",),
}  # fmt: skip


class ReportError(ValueError):
    """A report that cannot be produced as asked (bad view, filter, bucket or warehouse)."""


class UnknownFilterValue(ReportError):
    """A filter names an account, campaign, template or tracker that does not exist in scope."""


@dataclass
class Report:
    """One view for one account scope, date range and set of filters.

    ``kpis``: the headline numbers, keys as in kpi-spec.md. ``rows``: the view's main table
    (per day/week/month bucket, per campaign, per send, per billing period or per
    conversation). ``sections``: further tables (labels, per-step reply rate, call outcomes,
    links, usage by member, message frequency by hour, ...).
    """

    view: str
    account_id: str
    include_sub_accounts: bool
    account_ids: list[str]
    time_zone: str
    today: date
    date_from: date | None
    date_to: date | None
    filters: dict[str, Any]
    kpis: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every table of the report by name: kpis (key, value), rows, then each section."""
        tables = {"kpis": [{"key": k, "value": v} for k, v in self.kpis.items()]}
        tables["rows"] = self.rows
        tables.update(self.sections)
        return tables

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings, decimals as floats)."""
        return _jsonable(
            {
                "view": self.view,
                "account_id": self.account_id,
                "include_sub_accounts": self.include_sub_accounts,
                "account_ids": self.account_ids,
                "time_zone": self.time_zone,
                "today": self.today,
                "date_from": self.date_from,
                "date_to": self.date_to,
                "filters": self.filters,
                "kpis": self.kpis,
                "rows": self.rows,
                "sections": self.sections,
            }
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def rate(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator, null when the denominator is 0 or null (kpi-spec rule 3)."""
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator)


def _published_copy(warehouse: Path) -> Path:
    """The published copy of the marts beside ``warehouse`` (the rule of
    orchestration.publishing.published_path, repeated here so that the CLI does not import
    Dagster; a test keeps the two equal)."""
    explicit = os.environ.get("COMMS_WAREHOUSE_PUBLISHED")
    if explicit:
        return Path(explicit).expanduser().resolve()
    return warehouse.parent / "published" / f"{warehouse.stem}_marts.duckdb"


def _full_copy(warehouse: Path) -> Path:
    """The unmasked published copy (orchestration.publishing.full_copy_path's rule)."""
    published = _published_copy(warehouse)
    return published.with_name(f"{published.stem}_full{published.suffix}")


def source_path(warehouse: str | os.PathLike | None = None) -> Path:
    """The DuckDB file a report reads: an explicit path as given (a warehouse or a published
    copy); else a published copy of the default warehouse (COMMS_WAREHOUSE_PATH or the repo's),
    since a running refresh locks the warehouse itself: the unmasked copy when it exists and
    this caller may read it (file permissions make a privileged reader), else the PII-masked
    one; else that warehouse."""
    if warehouse is not None:
        return Path(warehouse).expanduser().resolve()
    default = settings.warehouse_path()
    full = _full_copy(default)
    if full.exists() and os.access(full, os.R_OK):
        return full
    published = _published_copy(default)
    return published if published.exists() else default


def connect(warehouse: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file ``source_path(warehouse)`` names."""
    path = source_path(warehouse)
    if not path.exists():
        raise ReportError(f"warehouse {path} does not exist (run `comms-warehouse refresh`)")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        raise ReportError(
            f"{path} is locked by a running refresh; read its published copy "
            f"({_published_copy(path)}) instead"
        ) from error
    con.execute("set TimeZone = 'UTC'")
    return con


class _Where:
    """SQL conditions with their parameters: fixed SQL text, values only through ``?``."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> _Where:
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def sql(self) -> str:
        return " and ".join(self.clauses) if self.clauses else "true"


def _rows(con, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(con, sql: str, params: Sequence[Any] = ()) -> dict[str, Any]:
    rows = _rows(con, sql, params)
    return rows[0] if rows else {}


def _ints(row: dict[str, Any]) -> dict[str, Any]:
    """Totals over the filtered rows: sums come back as HUGEINT/Decimal, or None over no rows;
    make them plain ints (0). Only for rows whose every column is a count."""
    return {key: 0 if value is None else value for key, value in _whole(row).items()}


def _whole(row: dict[str, Any]) -> dict[str, Any]:
    """Whole Decimals (sums) as ints; every other value, None included, as it is."""
    return {
        key: int(value)
        if isinstance(value, Decimal) and value == value.to_integral_value()
        else value
        for key, value in row.items()
    }


@dataclass
class _Scope:
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

    def where(
        self,
        *,
        date_column: str | None = "date_day",
        campaign_column: str | None = None,
        template_column: str | None = None,
        account_column: str = "account_id",
    ) -> _Where:
        w = _Where().add(f"list_contains(?, {account_column})", self.account_ids)
        if date_column and self.date_from is not None:
            w.add(f"{date_column} >= ?", self.date_from)
        if date_column and self.date_to is not None:
            w.add(f"{date_column} <= ?", self.date_to)
        if campaign_column and self.campaign_ids:
            w.add(f"list_contains(?, {campaign_column})", self.campaign_ids)
        if template_column and self.template_ids:
            w.add(f"list_contains(?, {template_column})", self.template_ids)
        return w

    @property
    def scope_label(self) -> str:
        return f"account {self.account_id}" + (
            " or its sub-accounts" if self.include_sub_accounts else ""
        )


# Which accounts a caller may read (issue 10, finding 8). Both optional; unset = every account.
ACCOUNTS_ENV = "COMMS_WAREHOUSE_ACCOUNTS"  # comma-separated account ids
ACCESS_FILE_ENV = "COMMS_WAREHOUSE_ACCESS_FILE"  # TOML: [callers] <caller> = ["acc_1", ...]
CALLER_ENV = "COMMS_WAREHOUSE_CALLER"  # the caller's name in that file (default: the OS user)


def allowed_accounts() -> list[str] | None:
    """The accounts this caller may read (each with its sub-accounts), or None for every one.

    From the access file's entry for the caller (a caller it does not name may read nothing)
    and/or the environment list; with both, only accounts on both lists, so the environment
    can narrow what the file grants, never widen it.
    """
    lists: list[list[str]] = []
    access_file = os.environ.get(ACCESS_FILE_ENV)
    if access_file:
        import getpass
        import tomllib

        callers = tomllib.loads(Path(access_file).read_text()).get("callers", {})
        caller = os.environ.get(CALLER_ENV) or getpass.getuser()
        lists.append([str(a) for a in callers.get(caller, [])])
    if os.environ.get(ACCOUNTS_ENV) is not None:
        lists.append([a.strip() for a in os.environ[ACCOUNTS_ENV].split(",") if a.strip()])
    if not lists:
        return None
    return [a for a in lists[0] if all(a in other for other in lists[1:])]


def root_accounts(con, allowed: list[str] | None = None) -> list[dict[str, Any]]:
    """Top-level accounts, or with an allow-list the allowed accounts themselves."""
    if allowed is not None:
        return _rows(
            con,
            "select account_id, account_name from marts.dim_accounts "
            "where list_contains(?, account_id) order by account_id",
            [allowed],
        )
    return _rows(
        con,
        "select account_id, account_name from marts.dim_accounts "
        "where parent_account_id is null order by account_id",
    )


def resolve_account(
    con, account_id: str | None, allowed: Iterable[str] | None = ...
) -> dict[str, Any]:
    """The account a report is for: the one asked for, else the caller's only account.

    An account the caller may not read is reported exactly as one that does not exist, and no
    error lists accounts: nothing here tells a caller which other tenants there are.
    allowed: the caller's allow-list (default: ``allowed_accounts()`` from the environment).
    """
    allowed = allowed_accounts() if allowed is ... else allowed
    allowed = None if allowed is None else [str(a) for a in allowed]
    if account_id is None:
        candidates = root_accounts(con, allowed)
        if len(candidates) != 1:
            raise ReportError("choose an account (--account ID)")
        account_id = candidates[0]["account_id"]
    account = _one(
        con,
        "select account_id, account_name, time_zone from marts.dim_accounts where account_id = ?",
        [account_id],
    )
    if not account or (allowed is not None and not _within(con, account_id, allowed)):
        raise UnknownFilterValue(f"account {account_id!r} does not exist")
    return account


def _within(con, account_id: str, allowed: list[str]) -> bool:
    """Whether the account is on the allow-list or under an account that is."""
    return account_id in allowed or bool(
        _rows(
            con,
            "select 1 from marts.bdg_account_hierarchy "
            "where descendant_account_id = ? and list_contains(?, ancestor_account_id)",
            [account_id, allowed],
        )
    )


def _check_known(con, what: str, table: str, column: str, values, scope: _Scope) -> None:
    found = {
        r["v"]
        for r in _rows(
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


def _as_list(values: str | Iterable[Any] | None) -> list[Any] | None:
    if values is None:
        return None
    if isinstance(values, str | int):
        values = [values]
    out = list(dict.fromkeys(values))
    return out or None


def report(
    view: str,
    warehouse: str | os.PathLike | None = None,
    account_id: str | None = None,
    include_sub_accounts: bool = False,
    date_range: DateRangeArg = "last_7_days",
    campaign_ids: str | Iterable[str] | None = None,
    template_ids: str | Iterable[str] | None = None,
    tracker: str | None = None,
    bucket: str = "day",
    today: date | str | None = None,
    step_numbers: int | Iterable[int] | None = None,
    contact_id: str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    allowed_accounts: Iterable[str] | None = ...,  # type: ignore[assignment]
) -> Report:
    """Compute one reporting view.

    view: messaging, calling, campaign-box, send-report, usage, credits or conversations.
    account_id: the account (default: the caller's only account: the only root account, or the
    only one on the allow-list; else an error); allowed_accounts: the accounts the caller may
    read, with their sub-accounts (default: from COMMS_WAREHOUSE_ACCOUNTS and
    COMMS_WAREHOUSE_ACCESS_FILE, see ``allowed_accounts()``; None: every account);
    include_sub_accounts: roll up the account with all its descendants (bdg_account_hierarchy).
    date_range: a preset (today, yesterday, last_7_days, last_30_days, this_month, last_month,
    all_time) or an explicit inclusive (from, to) pair of local days. Presets resolve in the
    account's time zone, relative to ``today`` (default: the current local day there; pin it for
    reproducible reports). campaign-box and send-report are "as of now" and ignore the range.
    campaign_ids / template_ids / tracker / step_numbers / contact_id (conversations: one
    contact's conversations, plus its whole timeline of calls and conversations): filters, where
    the view takes them
    (a filter a view does not take is an error). bucket: day, week (ISO, Monday) or month for the
    per-period rows. con: an open connection to reuse (else the warehouse is opened read-only).
    """
    if view not in VIEWS:
        raise ReportError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    if bucket not in BUCKETS:
        raise ReportError(f"unknown bucket {bucket!r}; use one of {', '.join(BUCKETS)}")
    campaigns, templates = _as_list(campaign_ids), _as_list(template_ids)
    campaigns = None if campaigns is None else [str(v) for v in campaigns]
    templates = None if templates is None else [str(v) for v in templates]
    tracker = None if tracker is None else str(tracker)
    contact_id = None if contact_id is None else str(contact_id)
    steps = _as_list(step_numbers)
    given = {
        name
        for name, value in (
            ("campaign_ids", campaigns),
            ("template_ids", templates),
            ("step_numbers", steps),
            ("tracker", tracker),
            ("contact_id", contact_id),
        )
        if value is not None
    }
    not_taken = sorted(given - VIEW_FILTERS[view])
    if not_taken:
        raise ReportError(f"the {view} view does not take the filter(s): {', '.join(not_taken)}")
    if steps is not None:
        steps = [int(s) for s in steps]

    own = con is None
    con = con or connect(warehouse)
    try:
        account = resolve_account(con, account_id, allowed_accounts)
        if include_sub_accounts:
            account_ids = [
                r["descendant_account_id"]
                for r in _rows(
                    con,
                    "select descendant_account_id from marts.bdg_account_hierarchy "
                    "where ancestor_account_id = ? order by depth, descendant_account_id",
                    [account["account_id"]],
                )
            ] or [account["account_id"]]
        else:
            account_ids = [account["account_id"]]
        try:
            pinned = date.fromisoformat(today) if isinstance(today, str) else today
        except ValueError:
            raise InvalidDateRange(f"today {today!r} is not a YYYY-MM-DD date") from None
        local = pinned or local_today(account["time_zone"])
        if view in UNDATED_VIEWS:
            start = end = None
        else:
            start, end = resolve_range(date_range, local)
        scope = _Scope(
            con=con, account_id=account["account_id"], include_sub_accounts=include_sub_accounts,
            account_ids=account_ids, time_zone=account["time_zone"], today=local,
            date_from=start, date_to=end, campaign_ids=campaigns, template_ids=templates,
            step_numbers=steps, tracker=tracker, contact_id=contact_id, bucket=bucket,
        )  # fmt: skip
        if campaigns:
            _check_known(con, "campaign", "dim_campaigns", "campaign_id", campaigns, scope)
        if templates:
            _check_known(con, "template", "dim_templates", "template_id", templates, scope)
        if tracker is not None:
            _check_known(con, "tracker", "dim_phone_numbers", "phone_number_id", [tracker], scope)
        if contact_id is not None:
            _check_known(con, "contact", "dim_contacts", "contact_id", [contact_id], scope)

        kpis, rows, sections = _BUILDERS[view](scope)
        filters = {
            "campaign_ids": campaigns,
            "template_ids": templates,
            "step_numbers": steps,
            "tracker": tracker,
            "contact_id": contact_id,
            "bucket": bucket,
            "date_range": None
            if view in UNDATED_VIEWS
            else (list(date_range) if isinstance(date_range, tuple | list) else date_range),
        }
        ordered = {key: kpis.get(key) for key in KPI_KEYS[view]}
        return Report(
            view=view, account_id=scope.account_id, include_sub_accounts=include_sub_accounts,
            account_ids=account_ids, time_zone=scope.time_zone, today=local,
            date_from=start, date_to=end,
            filters={k: v for k, v in filters.items() if v is not None},
            kpis=ordered, rows=rows, sections=sections,
        )  # fmt: skip
    finally:
        if own:
            con.close()


# --------------------------------------------------------------------------- messaging


def _bucket_column(column: str = "date_day") -> str:
    # The bucket name is a parameter too (validated against BUCKETS before).
    return f"cast(date_trunc(?, {column}) as date)"


def _messaging(s: _Scope):
    con = s.con
    w = s.where(campaign_column="campaign_id", template_column="template_id")
    counts = _ints(
        _one(
            con,
            f"""
            select
                sum(sms_sent) as sms_sent,
                sum(sms_segments_sent) as sms_segments_sent,
                sum(carrier_blocked_messages) as carrier_blocked_messages,
                sum(campaign_messages_sent) as campaign_messages_sent,
                sum(replies_received) as replies_received,
                sum(delivered_first_messages) as delivered_first_messages,
                sum(first_messages_sent) as first_messages_sent,
                sum(opt_out_messages) as opt_out_messages,
                sum(leads) as leads,
                sum(delivered_messages) as delivered_messages
            from marts.mart_messaging_kpis
            where {w.sql()}
            """,
            w.params,
        )
    )
    # Campaign counter: campaigns created in range (chosen campaigns only, when chosen). The
    # counter rows carry no template, so the template filter does not apply to them.
    wc = s.where(campaign_column="campaign_id")
    counts.update(
        _ints(
            _one(
                con,
                f"""
                select
                    sum(campaigns_created) as campaigns_created,
                    sum(standard_campaigns_created) as standard_campaigns_created,
                    sum(keyword_campaigns_created) as keyword_campaigns_created
                from marts.mart_messaging_kpis
                where {wc.sql()}
                """,
                wc.params,
            )
        )
    )
    # Unique contacts over the whole range (rule 5): count(distinct) at contact x day grain.
    counts.update(
        _ints(
            _one(
                con,
                f"""
                select
                    count(distinct case when messages_sent > 0 then contact_id end)
                        as contacts_reached,
                    count(distinct case when opt_out_messages > 0 then contact_id end)
                        as opted_out_contacts,
                    count(distinct case when ai_filter_opt_outs > 0 then contact_id end)
                        as ai_filtered_contacts
                from marts.fct_messaging_contact_days
                where {w.sql()}
                """,
                w.params,
            )
        )
    )
    counts.update(_reply_rate_counts(s))
    # Median response time ignores the campaign and template filters.
    wr = s.where()
    responses = _one(
        con,
        f"""
        select
            median(response_seconds) filter (where is_answered) as median_response_seconds,
            count(*) filter (where is_answered) as responses_measured,
            count(*) filter (where not is_answered) as unanswered_streaks
        from marts.fct_responses
        where {wr.sql()}
        """,
        wr.params,
    )
    counts["median_response_seconds"] = (
        None
        if responses.get("median_response_seconds") is None
        else float(responses["median_response_seconds"])
    )
    counts["responses_measured"] = int(responses.get("responses_measured") or 0)
    counts["unanswered_streaks"] = int(responses.get("unanswered_streaks") or 0)

    counts["carrier_block_rate"] = rate(
        counts["carrier_blocked_messages"], counts["campaign_messages_sent"]
    )
    counts["delivery_rate"] = rate(
        counts["delivered_first_messages"], counts["first_messages_sent"]
    )
    counts["opt_out_rate"] = rate(counts["opt_out_messages"], counts["sms_sent"])
    counts["opt_out_rate_contacts"] = rate(counts["opted_out_contacts"], counts["contacts_reached"])
    counts["ai_filtering_rate"] = rate(counts["ai_filtered_contacts"], counts["contacts_reached"])
    counts["reply_rate"] = rate(counts["replied_contacts"], counts["enrolled_contacts"])
    counts["sms_to_lead_rate"] = rate(counts["leads"], counts["sms_sent"])
    counts["sms_to_lead_rate_delivered"] = rate(counts["leads"], counts["delivered_messages"])
    counts["contact_to_lead_rate"] = rate(counts["leads"], counts["contacts_reached"])

    rows = _rows(
        con,
        f"""
        with kpis as (
            select
                {_bucket_column()} as period_start,
                sum(sms_sent) as sms_sent,
                sum(sms_segments_sent) as sms_segments_sent,
                sum(carrier_blocked_messages) as carrier_blocked_messages,
                sum(campaign_messages_sent) as campaign_messages_sent,
                sum(delivered_first_messages) as delivered_first_messages,
                sum(first_messages_sent) as first_messages_sent,
                sum(replies_received) as replies_received,
                sum(opt_out_messages) as opt_out_messages,
                sum(leads) as leads
            from marts.mart_messaging_kpis
            where {w.sql()}
            group by 1
        ),

        responses as (
            select
                {_bucket_column()} as period_start,
                median(response_seconds) filter (where is_answered) as median_response_seconds,
                count(*) filter (where is_answered) as responses_measured
            from marts.fct_responses
            where {wr.sql()}
            group by 1
        )

        select
            coalesce(kpis.period_start, responses.period_start) as period_start,
            coalesce(kpis.sms_sent, 0) as sms_sent,
            coalesce(kpis.sms_segments_sent, 0) as sms_segments_sent,
            coalesce(kpis.carrier_blocked_messages, 0) as carrier_blocked_messages,
            coalesce(kpis.campaign_messages_sent, 0) as campaign_messages_sent,
            coalesce(kpis.delivered_first_messages, 0) as delivered_first_messages,
            coalesce(kpis.first_messages_sent, 0) as first_messages_sent,
            coalesce(kpis.replies_received, 0) as replies_received,
            coalesce(kpis.opt_out_messages, 0) as opt_out_messages,
            coalesce(kpis.leads, 0) as leads,
            responses.median_response_seconds,
            coalesce(responses.responses_measured, 0) as responses_measured
        from kpis
        full outer join responses on kpis.period_start = responses.period_start
        order by 1
        """,
        [s.bucket, *w.params, s.bucket, *wr.params],
    )
    for row in rows:
        row.update(_whole(row))
        row["carrier_block_rate"] = rate(
            row["carrier_blocked_messages"], row["campaign_messages_sent"]
        )
        row["delivery_rate"] = rate(row["delivered_first_messages"], row["first_messages_sent"])
        row["opt_out_rate"] = rate(row["opt_out_messages"], row["sms_sent"])
        if row["median_response_seconds"] is not None:
            row["median_response_seconds"] = float(row["median_response_seconds"])

    # Labels section: ignores campaign and template filters (labels belong to contacts).
    labels = _rows(
        con,
        f"""
        with assigned as (
            select
                label_id,
                count(*) as label_assignments,
                count(distinct contact_id) as label_contacts
            from marts.fct_label_assignments
            where {wr.sql()}
            group by label_id
        )

        select
            coalesce(labels.label_name, assigned.label_id) as label,
            assigned.label_id,
            assigned.label_contacts,
            assigned.label_assignments,
            assigned.label_assignments / sum(assigned.label_assignments) over () as label_share
        from assigned
        left join marts.dim_labels as labels on assigned.label_id = labels.label_id
        order by assigned.label_contacts desc, label
        """,
        wr.params,
    )
    steps = _reply_rate_by_step(s)
    return counts, rows, {"labels": labels, "reply_rate_by_step": steps}


def _reply_rate_selection(s: _Scope) -> tuple[str, list[Any]]:
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
    wr = _Where()
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


def _reply_rate_counts(s: _Scope) -> dict[str, int]:
    """replied_contacts and enrolled_contacts over one selection (_reply_rate_selection)."""
    selection, params = _reply_rate_selection(s)
    row = _one(
        s.con,
        f"""{selection}
        select
            (select count(*) from first_replies) as replied_contacts,
            (select count(distinct contact_id) from enrolled) as enrolled_contacts
        """,
        params,
    )
    return {
        "replied_contacts": int(row.get("replied_contacts") or 0),
        "enrolled_contacts": int(row.get("enrolled_contacts") or 0),
    }


def _reply_rate_by_step(s: _Scope) -> list[dict[str, Any]]:
    """Per step: replied_contacts = contacts whose first reply (the headline's) is credited to
    the step, so the steps add up to the headline; step_contacts_sent = contacts of the
    selection sent the step (fct_messages, the chosen templates only; messages without a step,
    e.g. a sender's manual follow-up, are a row of their own, step_number null)."""
    selection, params = _reply_rate_selection(s)
    sent_template = ""
    if s.template_ids:
        sent_template = "and list_contains(?, m.template_id)"
        params = [*params, s.template_ids]
    steps = _rows(
        s.con,
        f"""{selection},

        replied as (
            select first_reply_step_number as step_number, count(*) as replied_contacts
            from first_replies
            group by 1
        ),

        sent as (
            select m.step_number, count(distinct m.contact_id) as step_contacts_sent
            from marts.fct_messages as m
            inner join enrolled as e
                on m.campaign_id = e.campaign_id and m.contact_id = e.contact_id
            where m.direction = 'outbound' and not m.is_canceled {sent_template}
            group by 1
        )

        select
            coalesce(replied.step_number, sent.step_number) as step_number,
            coalesce(replied.replied_contacts, 0) as replied_contacts,
            coalesce(sent.step_contacts_sent, 0) as step_contacts_sent
        from replied
        -- messages without a step are a row of their own (null = null never joins)
        full outer join sent on replied.step_number is not distinct from sent.step_number
        order by 1 nulls last
        """,
        params,
    )
    for row in steps:
        row.update(_whole(row))
        row["reply_rate"] = rate(row["replied_contacts"], row["step_contacts_sent"])
    return steps


# --------------------------------------------------------------------------- calling


def _calling(s: _Scope):
    con = s.con
    w = s.where(campaign_column="campaign_id")
    select = """
        sum(calls_dialed) as calls_dialed,
        sum(calls_answered) as calls_answered,
        sum(calls_answered_by_machine) as calls_answered_by_machine,
        sum(conversations) as conversations,
        sum(calls_with_talk_time) as calls_with_talk_time,
        sum(talk_seconds_answered) as talk_seconds_answered,
        sum(call_leads) as call_leads,
        sum(deals_closed) as deals_closed,
        sum(deals_closed_cohort) as deals_closed_cohort
    """
    counts = _ints(
        _one(con, f"select {select} from marts.mart_calling_kpis where {w.sql()}", w.params)
    )
    _calling_rates(counts)
    rows = _rows(
        con,
        f"select {_bucket_column()} as period_start, {select} from marts.mart_calling_kpis "
        f"where {w.sql()} group by 1 order by 1",
        [s.bucket, *w.params],
    )
    for row in rows:
        row.update(_whole(row))
        _calling_rates(row)
    outcomes = _rows(
        con,
        f"""
        select
            outcome,
            max(outcome_label) as outcome_label,
            sum(outcome_calls) as outcome_calls,
            sum(outcome_calls) / sum(sum(outcome_calls)) over () as outcome_share
        from marts.mart_call_outcomes
        where {w.sql()}
        group by outcome
        order by outcome_calls desc, outcome
        """,
        w.params,
    )
    for row in outcomes:
        row["outcome_calls"] = int(row["outcome_calls"])
        row["outcome_share"] = float(row["outcome_share"])
    return counts, rows, {"call_outcomes": outcomes}


def _calling_rates(c: dict[str, Any]) -> None:
    c["response_rate"] = rate(c["calls_answered"], c["calls_dialed"])
    # over the answered calls whose talk time is known (a call without ended_at is left out)
    c["average_call_seconds"] = rate(c["talk_seconds_answered"], c["calls_with_talk_time"])
    c["conversation_rate"] = rate(c["conversations"], c["calls_answered"])
    c["conversation_rate_dialed"] = rate(c["conversations"], c["calls_dialed"])
    c["call_to_lead_rate"] = rate(c["call_leads"], c["calls_dialed"])
    # deals closed in range / leads created in range (the spec's; it can exceed 1), and the
    # cohort variant: deals ever closed from the leads created in range / those leads
    c["lead_to_deal_rate"] = rate(c["deals_closed"], c["call_leads"])
    c["lead_to_deal_rate_cohort"] = rate(c["deals_closed_cohort"], c["call_leads"])


# --------------------------------------------------------------------------- campaign box

_BOX_COUNTS = (
    "enrollments", "initials_sent", "segments", "replies", "active_senders",
    "auto_opt_outs", "manual_opt_outs", "total_opt_outs",
)  # fmt: skip


def _campaign_box(s: _Scope):
    w = s.where(date_column=None, campaign_column="campaign_id")
    rows = _rows(
        s.con,
        f"""
        select
            campaign_id, account_id, campaign_name, campaign_type, status,
            {", ".join(_BOX_COUNTS)}, reply_rate, enrollments_per_sender
        from marts.mart_campaign_box
        where {w.sql()}
        order by account_id, campaign_id
        """,
        w.params,
    )
    for row in rows:
        for key in _BOX_COUNTS:
            row[key] = int(row[key] or 0)
    kpis = {key: sum(r[key] for r in rows) for key in _BOX_COUNTS}
    kpis["reply_rate"] = rate(kpis["replies"], kpis["initials_sent"])
    kpis["enrollments_per_sender"] = (
        kpis["enrollments"] // kpis["active_senders"] if kpis["active_senders"] else None
    )
    return kpis, rows, {}


# --------------------------------------------------------------------------- send report


def _send_where(s: _Scope, prefix: str = "") -> _Where:
    w = s.where(
        date_column=None,
        campaign_column=f"{prefix}campaign_id",
        template_column=f"{prefix}template_id",
        account_column=f"{prefix}account_id",
    )
    if s.step_numbers:
        w.add(f"list_contains(?, {prefix}step_number)", s.step_numbers)
    return w


def _send_report(s: _Scope):
    con = s.con
    w = _send_where(s, "r.")
    rows = _rows(
        con,
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
    for row in rows:
        row.update(_whole(row))
    # Contact counts over several sends are distinct contacts (a contact gets several steps).
    wr = _send_where(s)
    kpis = _ints(
        _one(
            con,
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
            where {wr.sql()}
            """,
            wr.params,
        )
    )
    kpis["clicks"] = sum(r["clicks"] for r in rows)
    kpis["credits"] = sum(r["credits"] for r in rows)
    wl = _send_where(s, "r.")
    links = _rows(
        con,
        f"""
        select
            l.campaign_id, l.step_number, l.link_id, l.url, l.clicks, l.unique_clickers
        from marts.mart_send_report_links as l
        inner join marts.mart_send_report as r
            on l.campaign_id = r.campaign_id and l.step_number = r.step_number
        where {wl.sql()}
        order by l.campaign_id, l.step_number, l.clicks desc, l.link_id
        """,
        wl.params,
    )
    for row in links:
        row.update(_whole(row))
    return kpis, rows, {"links": links}


# --------------------------------------------------------------------------- usage

_USAGE_SUMS = (
    "segments_total", "segments_sent", "segments_received",
    "calls_total", "calls_inbound", "calls_outbound", "calls_forwarded",
    "new_contacts", "credits_used",
)  # fmt: skip


def _usage(s: _Scope):
    con = s.con
    w = s.where()
    sums = ", ".join(f"sum({k}) as {k}" for k in _USAGE_SUMS)
    kpis = _ints(
        _one(con, f"select {sums} from marts.mart_account_usage_daily where {w.sql()}", w.params)
    )
    # Opted-in / opted-out contacts are distinct over the whole range (the daily mart is
    # distinct per day only): count(distinct) over fct_opt_events, as its YAML says.
    opt_select = """
        count(distinct case when direction = 'opt_in' then contact_id end) as opted_in_contacts,
        count(distinct case when direction = 'opt_out' then contact_id end) as opted_out_contacts
    """
    kpis.update(
        _ints(
            _one(
                con,
                f"select {opt_select} from marts.fct_opt_events "
                f"where is_platform_recorded and {w.sql()}",
                w.params,
            )
        )
    )
    rows = _rows(
        con,
        f"""
        with usage as (
            select {_bucket_column()} as period_start, {sums}
            from marts.mart_account_usage_daily
            where {w.sql()}
            group by 1
        ),

        opts as (
            select {_bucket_column()} as period_start, {opt_select}
            from marts.fct_opt_events
            where is_platform_recorded and {w.sql()}
            group by 1
        )

        select
            coalesce(usage.period_start, opts.period_start) as period_start,
            {", ".join(f"coalesce(usage.{k}, 0) as {k}" for k in _USAGE_SUMS)},
            coalesce(opts.opted_in_contacts, 0) as opted_in_contacts,
            coalesce(opts.opted_out_contacts, 0) as opted_out_contacts
        from usage
        full outer join opts on usage.period_start = opts.period_start
        order by 1
        """,
        [s.bucket, *w.params, s.bucket, *w.params],
    )
    for row in rows:
        row.update(_whole(row))
    wu = s.where(account_column="m.account_id", date_column="m.date_day")
    wc = s.where(account_column="c.account_id", date_column="c.date_day")
    by_member = _rows(
        con,
        f"""
        with messaging as (
            -- user_id: the member the usage belongs to (mart_usage_daily), so received
            -- segments count for the owner of the member inbox they arrived in
            select
                m.user_id,
                sum(m.segments_total) as segments_total,
                sum(m.segments_sent) as segments_sent,
                sum(m.segments_received) as segments_received,
                sum(m.messages_sent) as messages_sent,
                sum(m.messages_received) as messages_received,
                sum(m.credits_used) as credits_used
            from marts.mart_usage_daily as m
            where m.user_id is not null and {wu.sql()}
            group by m.user_id
        ),

        calls as (
            select
                c.user_id,
                sum(c.calls_total) as calls_total,
                sum(c.calls_inbound) as calls_inbound,
                sum(c.calls_outbound) as calls_outbound
            from marts.mart_call_usage_daily as c
            where c.user_id is not null and {wc.sql()}
            group by c.user_id
        )

        select
            coalesce(messaging.user_id, calls.user_id) as user_id,
            users.full_name,
            coalesce(messaging.segments_total, 0) as segments_total,
            coalesce(messaging.segments_sent, 0) as segments_sent,
            coalesce(messaging.segments_received, 0) as segments_received,
            coalesce(messaging.messages_sent, 0) as messages_sent,
            coalesce(messaging.messages_received, 0) as messages_received,
            coalesce(messaging.credits_used, 0) as credits_used,
            coalesce(calls.calls_total, 0) as calls_total,
            coalesce(calls.calls_inbound, 0) as calls_inbound,
            coalesce(calls.calls_outbound, 0) as calls_outbound
        from messaging
        full outer join calls on messaging.user_id = calls.user_id
        left join marts.dim_users as users
            on coalesce(messaging.user_id, calls.user_id) = users.user_id
        order by segments_total desc, user_id
        """,
        [*wu.params, *wc.params],
    )
    for row in by_member:
        row.update(_whole(row))
    by_inbox = _rows(
        con,
        f"""
        select
            m.inbox_id,
            max(i.inbox_name) as inbox_name,
            sum(m.segments_total) as segments_total,
            sum(m.segments_sent) as segments_sent,
            sum(m.segments_received) as segments_received,
            sum(m.credits_used) as credits_used
        from marts.mart_usage_daily as m
        left join marts.dim_inboxes as i on m.inbox_id = i.inbox_id
        where m.inbox_type = 'shared' and {wu.sql()}
        group by m.inbox_id
        order by segments_total desc, m.inbox_id
        """,
        wu.params,
    )
    for row in by_inbox:
        row.update(_whole(row))
    return kpis, rows, {"by_member": by_member, "by_shared_inbox": by_inbox}


# --------------------------------------------------------------------------- credits


def _credits(s: _Scope):
    w = s.where(date_column=None)
    if s.date_to is not None:
        w.add("period_start <= ?", s.date_to)
    if s.date_from is not None:
        w.add("period_end >= ?", s.date_from)
    rows = _rows(
        s.con,
        f"""
        select
            account_id, period_start, period_end, period_days, elapsed_days,
            is_current_period, credit_allowance, credits_used, credits_remaining,
            credits_overage, credits_projected
        from marts.mart_credits_by_billing_period
        where {w.sql()}
        order by account_id, period_start
        """,
        w.params,
    )
    # Headline: the billing period containing the range's last day (today for the presets),
    # per account, summed over the accounts in scope.
    as_of = s.date_to or s.today
    wk = s.where(date_column=None).add("period_start <= ?", as_of).add("period_end >= ?", as_of)
    kpi = _one(
        s.con,
        f"""
        select
            sum(credits_used) as credits_used,
            sum(credit_allowance) as credit_allowance,
            sum(credits_remaining) as credits_remaining,
            sum(credits_projected) as credits_projected,
            count(*) as periods
        from marts.mart_credits_by_billing_period
        where {wk.sql()}
        """,
        wk.params,
    )

    def whole(value: Any) -> int | None:
        return None if value is None else int(value)

    kpis = {
        "credits_used": int(kpi.get("credits_used") or 0),
        "credit_allowance": whole(kpi.get("credit_allowance")),
        "credits_remaining": whole(kpi.get("credits_remaining")),
        # No period contains the day (before the account existed): nothing to project.
        "credits_projected": float(kpi.get("credits_projected") or 0)
        if kpi.get("periods")
        else None,
    }
    return kpis, rows, {}


# --------------------------------------------------------------------------- conversations


def _conversation_where(s: _Scope, prefix: str) -> _Where:
    w = s.where(account_column=f"{prefix}account_id", date_column=f"{prefix}date_day")
    if s.tracker is not None:
        w.add(
            f"{prefix}conversation_id in (select conversation_id "
            "from marts.bdg_text_conversation_trackers where phone_number_id = ?)",
            s.tracker,
        )
    if s.contact_id is not None:
        w.add(f"{prefix}contact_id = ?", s.contact_id)
    return w


def _conversations(s: _Scope):
    con = s.con
    w = _conversation_where(s, "t.")
    kpis = _ints(
        _one(
            con,
            f"""
            select
                count(*) as conversations,
                sum(t.total_messages) as conversation_messages,
                sum(t.inbound_messages) as conversation_inbound_messages,
                sum(t.outbound_messages) as conversation_outbound_messages
            from marts.fct_text_conversations as t
            where {w.sql()}
            """,
            w.params,
        )
    )
    rows = _rows(
        con,
        f"""
        select
            t.conversation_id, t.account_id, t.contact_id, t.date_day,
            t.first_message_at, t.last_message_at,
            t.inbound_messages, t.outbound_messages, t.total_messages,
            t.last_phone_number_id, t.number_name_phone_number_id,
            p.friendly_name as number_name, t.phone_numbers_used
        from marts.fct_text_conversations as t
        left join marts.dim_phone_numbers as p
            on t.number_name_phone_number_id = p.phone_number_id
        where {w.sql()}
        order by t.first_message_at desc, t.conversation_id
        """,
        w.params,
    )
    volume = _rows(
        con,
        f"""
        select
            {_bucket_column("t.date_day")} as period_start,
            count(*) as conversations,
            sum(t.total_messages) as conversation_messages,
            sum(t.inbound_messages) as conversation_inbound_messages,
            sum(t.outbound_messages) as conversation_outbound_messages
        from marts.fct_text_conversations as t
        where {w.sql()}
        group by 1
        order by 1
        """,
        [s.bucket, *w.params],
    )
    for row in volume:
        row.update(_whole(row))
    # Frequency by local hour, customer vs agent, over the messages of the filtered
    # conversations (canceled outbound messages are part of no conversation).
    hourly = _rows(
        con,
        f"""
        with conversations as (
            select t.account_id, t.contact_id, t.date_day
            from marts.fct_text_conversations as t
            where {w.sql()}
        ),

        by_hour as (
            select
                m.hour_of_day,
                count(*) filter (where m.direction = 'inbound') as customer_messages,
                count(*) filter (where m.direction = 'outbound') as agent_messages
            from marts.fct_messages as m
            inner join conversations as c
                on m.account_id = c.account_id
                and m.contact_id = c.contact_id
                and m.date_day = c.date_day
            where not m.is_canceled
            group by m.hour_of_day
        )

        select
            hours.hour_of_day,
            coalesce(by_hour.customer_messages, 0) as customer_messages,
            coalesce(by_hour.agent_messages, 0) as agent_messages
        from range(24) as hours (hour_of_day)
        left join by_hour on hours.hour_of_day = by_hour.hour_of_day
        order by hours.hour_of_day
        """,
        w.params,
    )
    for row in hourly:
        row.update(_whole(row))
    sections = {"volume": volume, "frequency_by_hour": hourly}
    if s.contact_id is not None:
        # The contact's whole timeline (calls and text conversations, every day).
        wt = s.where(date_column=None).add("contact_id = ?", s.contact_id)
        sections["timeline"] = [
            _whole(row)
            for row in _rows(
                con,
                f"""
                select
                    timeline_position, event_type, event_id, account_id, date_day,
                    event_started_at, event_ended_at, phone_number_id, direction, user_id,
                    campaign_id, inbound_messages, outbound_messages, total_messages,
                    is_answered, talk_seconds, call_outcome, call_status
                from marts.fct_contact_timeline
                where {wt.sql()}
                order by account_id, timeline_position
                """,
                wt.params,
            )
        ]
    return kpis, rows, sections


# --------------------------------------------------------------------------- suppressions


def _suppressions(s: _Scope):
    """The 3-hard-bounce suppression list (kpi-spec Message status; fct_suppressions): one row
    per suppressed contact of the account scope whose local suppression day is in range, with
    the contact's phone (personal data, as in the send report's contact lists)."""
    w = s.where(date_column="x.suppressed_date_day", account_column="x.account_id")
    rows = _rows(
        s.con,
        f"""
        select
            x.account_id,
            x.contact_id,
            c.phone,
            x.suppressed_at,
            x.reason,
            x.hard_bounce_count,
            x.last_error_code
        from marts.fct_suppressions as x
        left join marts.dim_contacts as c on x.contact_id = c.contact_id
        where {w.sql()}
        order by x.suppressed_at, x.account_id, x.contact_id
        """,
        w.params,
    )
    return {"suppressed_contacts": len(rows)}, rows, {}


_BUILDERS = {
    "messaging": _messaging,
    "calling": _calling,
    "campaign-box": _campaign_box,
    "send-report": _send_report,
    "usage": _usage,
    "credits": _credits,
    "conversations": _conversations,
    "suppressions": _suppressions,
}
