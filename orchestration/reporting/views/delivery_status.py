"""The delivery-status view (issue 13; the Apsis "bounces" tab, the carrier-block drill-down):
outbound messages per final status and per final error code, with the code's meaning (the
delivery_error_codes seed, through mart_delivery_status_daily), per period and in total.
Filters: campaigns, templates and one tracking number (the messages sent through it)."""

from __future__ import annotations

from typing import Any

from orchestration.kpi_registry import REGISTRY
from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import bucket_column, ints, one, rows, whole

VIEW = REGISTRY["delivery-status"]
# The headline counts, each mart_delivery_status_daily.messages under its condition.
_COUNTS = """
    sum(messages) as outbound_messages,
    sum(case when error_code is not null then messages else 0 end) as error_code_messages,
    sum(case when delivery_outcome = 'carrier_blocked' then messages else 0 end)
        as carrier_blocked_outbound_messages
"""


def build(s: Scope):
    w = s.where_for(VIEW, "outbound_messages")
    if s.tracker is not None:
        w.add("phone_number_id = ?", s.tracker)
    source = f"from marts.mart_delivery_status_daily where {w.sql()}"
    kpis = ints(one(s.con, f"select {_COUNTS} {source}", w.params))
    periods = [
        ints(row)
        for row in rows(
            s.con,
            f"select {bucket_column()} as period_start, {_COUNTS} {source} group by 1 order by 1",
            [s.bucket, *w.params],
        )
    ]
    by_status = _whole_rows(
        s.con,
        f"""
        select final_status, sum(messages) as status_messages {source}
        group by final_status order by status_messages desc, final_status nulls last
        """,
        w.params,
    )
    by_error_code = _whole_rows(
        s.con,
        f"""
        select
            error_code,
            delivery_outcome,
            max(error_description) as error_description,
            sum(messages) as error_code_messages
        {source} and error_code is not null
        group by error_code, delivery_outcome
        order by error_code_messages desc, error_code, delivery_outcome
        """,
        w.params,
    )
    sections = {
        "by_status": VIEW.shares(by_status, "by_status"),
        "by_error_code": VIEW.shares(by_error_code, "by_error_code"),
    }
    return kpis, periods, sections


def _whole_rows(con, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return [whole(row) for row in rows(con, sql, params)]
