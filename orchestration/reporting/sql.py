"""Query helpers of the views: parameterized conditions and rows as dicts with plain numbers.

No filter value is ever part of the SQL text: conditions carry their values as ``?``
parameters (lists through ``list_contains(?, column)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from orchestration.kpi_registry.definitions import Kpi


class Where:
    """SQL conditions with their parameters: fixed SQL text, values only through ``?``."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> Where:
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def sql(self) -> str:
        return " and ".join(self.clauses) if self.clauses else "true"


def rows(con, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(con, sql: str, params: Sequence[Any] = ()) -> dict[str, Any]:
    found = rows(con, sql, params)
    return found[0] if found else {}


def ints(row: dict[str, Any]) -> dict[str, Any]:
    """Totals over the filtered rows: sums come back as HUGEINT/Decimal, or None over no rows;
    make them plain ints (0). Only for rows whose every column is a count."""
    return {key: 0 if value is None else value for key, value in whole(row).items()}


def whole(row: dict[str, Any]) -> dict[str, Any]:
    """Whole Decimals (sums) as ints; every other value, None included, as it is."""
    return {
        key: int(value)
        if isinstance(value, Decimal) and value == value.to_integral_value()
        else value
        for key, value in row.items()
    }


def bucket_column(column: str = "date_day") -> str:
    """The period a row falls in; the bucket name is a parameter too (validated before)."""
    return f"cast(date_trunc(?, {column}) as date)"


def sums(kpis: Sequence[Kpi], prefix: str = "") -> str:
    """``sum(<mart column>) as <key>`` for each additive KPI: the registry names both."""
    return ", ".join(f"sum({prefix}{k.column}) as {k.key}" for k in kpis)
