"""The Reporting page's calling view (kpi-spec "Calling"): headline, per-period rows and call
outcomes."""

from __future__ import annotations

from orchestration.kpi_registry.calling import CALLING
from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import bucket_column, ints, one, rows, sums, whole

# The additive counts of mart_calling_kpis as the registry lists them (every calling KPI that is
# not a ratio); all are published per period too.
_COUNTS = sums(CALLING.counts_of("mart_calling_kpis"))


def build(s: Scope):
    con = s.con
    w = s.where_for(CALLING, "calls_dialed")
    counts = CALLING.derive(
        ints(one(con, f"select {_COUNTS} from marts.mart_calling_kpis where {w.sql()}", w.params))
    )
    periods = rows(
        con,
        f"select {bucket_column()} as period_start, {_COUNTS} from marts.mart_calling_kpis "
        f"where {w.sql()} group by 1 order by 1",
        [s.bucket, *w.params],
    )
    for row in periods:
        row.update(whole(row))
        CALLING.derive(row, period_row=True)
    wo = s.where_for(CALLING, "outcome_calls", "call_outcomes")
    outcomes = rows(
        con,
        f"""
        select
            outcome,
            max(outcome_label) as outcome_label,
            sum(outcome_calls) as outcome_calls
        from marts.mart_call_outcomes
        where {wo.sql()}
        group by outcome
        order by outcome_calls desc, outcome
        """,
        wo.params,
    )
    for row in outcomes:
        row["outcome_calls"] = int(row["outcome_calls"])
    return counts, periods, {"call_outcomes": CALLING.shares(outcomes, "call_outcomes")}
