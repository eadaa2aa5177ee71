"""Key-for-key comparison of a published report with the reference report."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MISSING = "<missing>"


@dataclass(frozen=True)
class Difference:
    """One place where the published report and the reference differ."""

    path: str
    published: Any
    reference: Any

    def __str__(self) -> str:
        return f"{self.path}: published={self.published!r} reference={self.reference!r}"


TOLERANCE = 1e-9


def _same_number(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return False


def _order_key(row: Any) -> str:
    # Rows tied on the view's sort order may come in either order: compare them as a multiset.
    def rounded(v):
        if isinstance(v, float):
            return round(v, 6)
        if isinstance(v, dict):
            return {k: rounded(x) for k, x in v.items()}
        if isinstance(v, list):
            return [rounded(x) for x in v]
        return v

    return json.dumps(rounded(row), sort_keys=True, default=str)


# Columns that name a row of a view's table, most specific first: rows are matched on them.
ROW_KEYS = (
    ("message_id", "rule"),
    ("account_id", "dimension", "dimension_id"),
    ("campaign_id", "step_number", "link_id"),
    ("campaign_id", "step_number"),
    ("account_id", "period_start"),
    ("account_id", "contact_id", "date_day"),
    ("period_start",),
    ("step_number",),
    ("outcome",),
    ("label_id",),
    ("user_id",),
    ("inbox_id",),
    ("hour_of_day",),
    ("campaign_id",),
    ("account_id", "contact_id"),
)


def _row_key(rows: list) -> tuple[str, ...] | None:
    """The first of ROW_KEYS whose columns every row has (rows are dicts), else None."""
    if not rows or not all(isinstance(r, dict) for r in rows):
        return None
    common = set(rows[0])
    for r in rows:
        common &= r.keys()
    return next((key for key in ROW_KEYS if common.issuperset(key)), None)


def _empty(row: dict, key: tuple[str, ...]) -> bool:
    """A row whose every number is 0 or null says what a missing row says (a period with no
    activity): listing it or not is presentation, not a KPI."""
    values = [v for k, v in row.items() if k not in key]
    return all(v is None or (isinstance(v, int | float) and not v) for v in values)


def _list_differences(published: list, reference: list, path: str) -> list[Difference]:
    key = _row_key(published + reference)
    if key is None:
        if len(published) != len(reference):
            return [Difference(f"{path} (rows)", len(published), len(reference))]
        pairs = zip(
            sorted(published, key=_order_key), sorted(reference, key=_order_key), strict=True
        )
        return [d for i, (a, b) in enumerate(pairs) for d in differences(a, b, f"{path}[{i}]")]
    ours = {tuple(r[k] for k in key): r for r in reference}
    theirs = {tuple(r[k] for k in key): r for r in published}
    out = []
    unequal = [  # most rows are equal: only the others are named, in key order
        ident
        for ident in set(ours) | set(theirs)
        if ident not in theirs
        or ident not in ours
        or not _plainly_equal(theirs[ident], ours[ident])
    ]
    for ident in sorted(unequal, key=str):
        where = f"{path}[{', '.join(f'{k}={v}' for k, v in zip(key, ident, strict=True))}]"
        if ident not in theirs:
            if not _empty(ours[ident], key):
                out.append(Difference(where, MISSING, ours[ident]))
        elif ident not in ours:
            if not _empty(theirs[ident], key):
                out.append(Difference(where, theirs[ident], MISSING))
        else:
            out.extend(differences(theirs[ident], ours[ident], where))
    return out


# Surrogate keys (hashes the models make) are no KPI: the reference names rows by what they are.
SURROGATE_KEYS = frozenset({"conversation_id", "billing_period_id", "suppression_id"})


def _without_surrogates(row: dict) -> dict:
    if SURROGATE_KEYS.isdisjoint(row):
        return row
    return {k: v for k, v in row.items() if k not in SURROGATE_KEYS}


def _plainly_equal(published: Any, reference: Any) -> bool:
    """Equal as Python compares them (surrogate keys aside): then ``differences`` finds
    nothing either, since it counts == values as equal; the key-by-key walk only names what
    differs."""
    if isinstance(published, dict):
        published = _without_surrogates(published)
    return published == reference


def differences(published: Any, reference: Any, path: str = "") -> list[Difference]:
    """Every place the two differ (floats within 1e-9); rows are matched on their keys."""
    if isinstance(published, dict) and isinstance(reference, dict):
        out = []
        published = _without_surrogates(published)
        for key in sorted(set(published) | set(reference), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in published:
                out.append(Difference(where, MISSING, reference[key]))
            elif key not in reference:
                out.append(Difference(where, published[key], MISSING))
            else:
                out.extend(differences(published[key], reference[key], where))
        return out
    if isinstance(published, list) and isinstance(reference, list):
        return _list_differences(published, reference, path)
    if published == reference or _same_number(published, reference):
        return []
    return [Difference(path, published, reference)]
