"""Credits per billing period (kpi-spec "Account usage": credits_used, credit_allowance,
credits_remaining, credits_projected)."""

from __future__ import annotations

from typing import Any

from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import one, rows


def build(s: Scope):
    w = s.where(date_column=None)
    if s.date_to is not None:
        w.add("period_start <= ?", s.date_to)
    if s.date_from is not None:
        w.add("period_end >= ?", s.date_from)
    periods = rows(
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
    kpi = one(
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
    return kpis, periods, {}
