"""The compare view (issue 13): campaigns or templates side by side, each rate with its
numerator, denominator and 95 % Wilson score interval (mart_campaign_rates,
mart_template_rates: the interval is computed once, in macros/stats/wilson_interval.sql), and
for each pair of chosen items whether their intervals overlap: intervals that do not overlap
say the difference is beyond what chance alone would give at the 95 % level; overlapping ones
say this data cannot tell them apart with that confidence.

As of now (all time): a row's rates are the Reporting page's with that one item chosen over its
whole history, in the item's own account. With no item chosen, every campaign and template of
the account scope is listed (no pairs: choose two or more to compare them)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from orchestration.kpi_registry import REGISTRY
from orchestration.kpi_registry.compare import RATES
from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import Where, rows, whole

VIEW = REGISTRY["compare"]
# section -> (mart, id column, name column, the scope's chosen ids attribute)
_KINDS = {
    "campaigns": ("marts.mart_campaign_rates", "campaign_id", "campaign_name", "campaign_ids"),
    "templates": ("marts.mart_template_rates", "template_id", "template_name", "template_ids"),
}


def build(s: Scope):
    sections: dict[str, list[dict[str, Any]]] = {}
    overlaps: list[dict[str, Any]] = []
    for table, (mart, id_column, name_column, chosen_attr) in _KINDS.items():
        chosen = getattr(s, chosen_attr)
        if chosen is None and (s.campaign_ids or s.template_ids):
            sections[table] = []  # the other kind was chosen: only it is compared
            continue
        items = _items(s, table, mart, id_column, name_column, chosen)
        sections[table] = items
        if chosen:
            overlaps.extend(_overlaps(items, id_column))
    sections["overlaps"] = overlaps
    return {}, [], sections


def _items(s: Scope, table, mart, id_column, name_column, chosen) -> list[dict[str, Any]]:
    w = Where().add("list_contains(?, account_id)", s.account_ids)
    if chosen:
        w.add(f"list_contains(?, {id_column})", chosen)
    parts = ", ".join(f"{n}, {d}" for _, _, n, d in RATES)
    bounds = ", ".join(f"{key}_lower, {key}_upper" for key, *_ in RATES)
    found = rows(
        s.con,
        f"select {id_column}, {name_column}, account_id, {parts}, {bounds} "
        f"from {mart} where {w.sql()} order by {id_column}",
        w.params,
    )
    ordered = []
    for row in found:
        row.update(whole(row))
        VIEW.derive(row, table)
        # each rate beside its numerator, denominator and bounds
        columns = [id_column, name_column, "account_id"]
        for key, _, numerator, denominator in RATES:
            columns += [numerator, denominator, key, f"{key}_lower", f"{key}_upper"]
        ordered.append({c: row[c] for c in columns})
    return ordered


def _overlaps(items: list[dict[str, Any]], id_column: str) -> list[dict[str, Any]]:
    """Each pair of items and rate: whether the two 95 % intervals overlap (null when either
    item has no denominator, so no interval)."""
    out = []
    for a, b in combinations(items, 2):
        for key, *_ in RATES:
            lows, highs = (
                (a[f"{key}_lower"], b[f"{key}_lower"]),
                (a[f"{key}_upper"], b[f"{key}_upper"]),
            )
            known = None not in lows + highs
            out.append(
                {
                    "item_a": a[id_column],
                    "item_b": b[id_column],
                    "rate": key,
                    "overlap": (lows[0] <= highs[1] and lows[1] <= highs[0]) if known else None,
                }
            )
    return out
