"""The reference report: the same JSON shape as the reporting API's ``Report.to_dict()``,
every number computed by this package from the staged rows."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from orchestration.reference.calling import calling
from orchestration.reference.campaigns import campaign_box, send_report, suppressions
from orchestration.reference.compliance import carrier_block_anomalies, compliance
from orchestration.reference.conversations import conversations
from orchestration.reference.delivery import delivery_status
from orchestration.reference.facts import World
from orchestration.reference.messaging import messaging
from orchestration.reference.rate_intervals import compare
from orchestration.reference.scope import Scope, resolve_preset
from orchestration.reference.usage import credits, usage

VIEWS: dict[str, Callable[[World, Scope], tuple]] = {
    "messaging": messaging,
    "calling": calling,
    "campaign-box": campaign_box,
    "send-report": send_report,
    "usage": usage,
    "credits": credits,
    "conversations": conversations,
    "suppressions": suppressions,
    "delivery-status": delivery_status,
    "compare": compare,
    "compliance": compliance,
    "carrier-block-anomalies": carrier_block_anomalies,
}
UNDATED_VIEWS = ("campaign-box", "send-report", "compare", "carrier-block-anomalies")


def _account_ids(w: World, account_id: str, include_sub_accounts: bool) -> list[str]:
    """The account alone, or it and its descendants ordered by depth then id (ground rule 2)."""
    if not include_sub_accounts:
        return [account_id]
    out, level = [], [account_id]
    while level:
        out.extend(sorted(level))
        level = [child for parent in level for child in w.children.get(parent, [])]
    return out


def _list(values: str | Iterable | None) -> list | None:
    if values is None:
        return None
    values = [values] if isinstance(values, str | int) else list(dict.fromkeys(values))
    return values or None


PLAIN = frozenset({str, int, bool, type(None)})  # JSON as they are (most of a report's values)


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): v if type(v) in PLAIN else jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in PLAIN else jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


# Long because it takes every argument of the reporting API's report() and shapes its answer.
def reference_report(
    w: World,
    view: str,
    account_id: str,
    include_sub_accounts: bool = False,
    date_range: Any = "last_7_days",
    today: date | None = None,
    now: datetime | None = None,
    campaign_ids=None,
    template_ids=None,
    step_numbers=None,
    tracker: str | None = None,
    contact_id: str | None = None,
    bucket: str = "day",
    as_of_days: dict[str, date] | None = None,
) -> dict[str, Any]:
    """One view for one request, as the API's ``Report.to_dict()`` shapes it. ``today`` is the
    local day in the account's time zone the presets resolve from (ground rule 1); ``now`` the
    instant it stands for, from which each account's billing periods run (default: now), unless
    ``as_of_days`` names an account's own as-of day."""
    account = w.accounts[account_id]
    account_ids = _account_ids(w, account_id, include_sub_accounts)
    if today is None:
        now = now or datetime.now().astimezone()
        today = w.local(now, account_id).date()
    start, end = (None, None) if view in UNDATED_VIEWS else resolve_preset(date_range, today)
    campaigns, templates, steps = _list(campaign_ids), _list(template_ids), _list(step_numbers)
    scope = Scope(
        account_id=account_id,
        account_ids=tuple(account_ids),
        date_from=start,
        date_to=end,
        campaign_ids=None if campaigns is None else frozenset(campaigns),
        template_ids=None if templates is None else frozenset(templates),
        step_numbers=None if steps is None else frozenset(int(x) for x in steps),
        tracker=tracker,
        contact_id=contact_id,
        bucket=bucket,
        today=today,
        now=now,
        as_of_days=as_of_days,
    )
    kpis, rows, sections = VIEWS[view](w, scope)
    filters = _shown_filters(
        view, date_range, campaign_ids=campaigns, template_ids=templates, step_numbers=steps,
        tracker=tracker, contact_id=contact_id, bucket=bucket,
    )  # fmt: skip
    return jsonable(
        {
            "view": view,
            "account_id": account_id,
            "include_sub_accounts": include_sub_accounts,
            "account_ids": account_ids,
            "time_zone": account["time_zone"],
            "today": today,
            "date_from": start,
            "date_to": end,
            "filters": filters,
            "kpis": kpis,
            "rows": rows,
            "sections": sections,
        }
    )


def _shown_filters(view: str, date_range: Any, **filters: Any) -> dict[str, Any]:
    """The request's filters as the API's report shows them: those given, and the date range
    only for a dated view."""
    shown_range = list(date_range) if isinstance(date_range, tuple | list) else date_range
    shown = {**filters, "date_range": None if view in UNDATED_VIEWS else shown_range}
    return {k: v for k, v in shown.items() if v is not None}
