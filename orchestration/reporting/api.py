"""The reporting API: every view of issue 6 over the marts, with KPI keys exactly as in kpi-spec.md.

``report()`` is the one entry point (the CLI, the exports, the executive report, the formula
checks and the differential tests call it): it checks the request, opens the scope
(scope.py: account roll-up, local date range, filters), runs the view's module (views/) and
returns a ``Report``. Which keys a view has, in which order, and how each ratio is computed is
the KPI registry's (orchestration.kpi_registry). Connections are read-only and read only the
``marts`` schema; no filter value is ever part of the SQL text (sql.py). Rates are
``sum(numerator) / sum(denominator)`` over the filtered rows, null when the denominator is 0;
unique-contact counts and medians are computed from the finest-grain marts (count(distinct) /
median over the filtered rows), as the marts' YAML documents.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from orchestration.kpi_registry import REGISTRY, VIEWS
from orchestration.reporting.dates import DateRangeArg
from orchestration.reporting.scope import Scope, checked_filters, open_scope
from orchestration.reporting.source import ReportError, connect
from orchestration.reporting.views import (
    calling,
    campaign_box,
    compare,
    compliance,
    conversations,
    credits,
    delivery_status,
    messaging,
    send_report,
    suppressions,
    usage,
)

BUCKETS = ("day", "week", "month")
# KPI keys per view, in display order (kpi-spec.md keys, each rate's numerator and denominator
# keys beside it): the registry's.
KPI_KEYS: dict[str, tuple[str, ...]] = {name: v.keys for name, v in REGISTRY.items()}
_BUILDERS = {
    "messaging": messaging.build,
    "calling": calling.build,
    "campaign-box": campaign_box.build,
    "send-report": send_report.build,
    "usage": usage.build,
    "credits": credits.build,
    "conversations": conversations.build,
    "suppressions": suppressions.build,
    "delivery-status": delivery_status.build,
    "compare": compare.build,
    "compliance": compliance.build,
    "carrier-block-anomalies": compliance.build_anomalies,
}


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


_PLAIN = frozenset({str, int, bool, type(None)})  # JSON as they are: most values, kept as is


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): v if type(v) in _PLAIN else _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in _PLAIN else _jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


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
    sections: Iterable[str] | None = None,
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
    sections: the section tables to return (None: every one of the view); a view computes only
    those where it can (a caller reading the headline alone passes ``()``).
    """
    if view not in REGISTRY:
        raise ReportError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    if bucket not in BUCKETS:
        raise ReportError(f"unknown bucket {bucket!r}; use one of {', '.join(BUCKETS)}")
    registered = REGISTRY[view]
    filters = checked_filters(
        registered, campaign_ids=campaign_ids, template_ids=template_ids,
        step_numbers=step_numbers, tracker=tracker, contact_id=contact_id,
    )  # fmt: skip
    own = con is None
    con = con or connect(warehouse)
    try:
        scope = open_scope(
            con, registered, account_id, include_sub_accounts, date_range, today, filters,
            bucket, allowed_accounts,
        )  # fmt: skip
        scope.sections = None if sections is None else frozenset(sections)
        return _computed(view, scope, filters, date_range)
    finally:
        if own:
            con.close()


def _computed(view: str, scope: Scope, filters: dict[str, Any], date_range: DateRangeArg) -> Report:
    """The view computed over ``scope``, with the request as the caller gave it."""
    registered = REGISTRY[view]
    kpis, rows, sections = _BUILDERS[view](scope)
    if scope.sections is not None:
        unknown = scope.sections - sections.keys()
        if unknown:
            raise ReportError(f"{view} has no section {', '.join(sorted(unknown))}")
        sections = {name: table for name, table in sections.items() if name in scope.sections}
    shown_range = list(date_range) if isinstance(date_range, tuple | list) else date_range
    shown = {
        **filters,
        "bucket": scope.bucket,
        "date_range": shown_range if registered.dated else None,
    }
    return Report(
        view=view, account_id=scope.account_id, include_sub_accounts=scope.include_sub_accounts,
        account_ids=scope.account_ids, time_zone=scope.time_zone, today=scope.today,
        date_from=scope.date_from, date_to=scope.date_to,
        filters={k: v for k, v in shown.items() if v is not None},
        kpis={key: kpis.get(key) for key in registered.keys}, rows=rows, sections=sections,
    )  # fmt: skip
