"""Spend per currency (issue 13), the ``spend_by_currency`` table of the messaging and usage
views: the platform's price summed per price_unit over the filtered rows of mart_spend_daily,
never across currencies. A currency-less row (price_unit null) holds the unpriced messages;
its spend is null (unknown), not 0."""

from __future__ import annotations

from typing import Any

from orchestration.kpi_registry.definitions import View
from orchestration.reporting.sql import Where, rows, whole

TABLE = "spend_by_currency"


def spend_by_currency(con, view: View, where: Where) -> list[dict[str, Any]]:
    """One row per currency in scope: priced and unpriced messages, spend (a float in the
    row's currency, null without a priced message) and spend per priced message."""
    found = rows(
        con,
        f"""
        select
            price_unit,
            sum(priced_messages) as priced_messages,
            sum(unpriced_messages) as unpriced_messages,
            cast(sum(spend) as double) as spend
        from marts.mart_spend_daily
        where {where.sql()}
        group by price_unit
        order by price_unit nulls last
        """,
        where.params,
    )
    for row in found:
        row.update(whole({k: row[k] for k in ("priced_messages", "unpriced_messages")}))
        view.derive(row, TABLE)
    return found
