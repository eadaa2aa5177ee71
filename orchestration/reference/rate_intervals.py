"""The compare view (issue 13: "reply, delivery and carrier-block rates per template and per
campaign with Wilson 95 % intervals ... two or more templates or campaigns side by side, with
the intervals and whether they overlap").

A row's counts are this package's messaging view with that one campaign (or template) chosen,
over all time, in the item's own account; its interval is the Wilson score interval as
published (Wilson 1927; Agresti & Coull 1998, eq. 2), written here from the formula:

    centre = (p + z^2 / 2n) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

with p = x / n and z the 97.5 % point of the standard normal (statistics.NormalDist), so
[centre - half, centre + half]; no interval without trials. Two intervals overlap when each
starts before the other ends.
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import combinations
from statistics import NormalDist
from typing import Any

from orchestration.reference.facts import World
from orchestration.reference.messaging import messaging
from orchestration.reference.scope import Scope, rate

Z95 = NormalDist().inv_cdf(0.975)
RATES = (
    ("reply_rate", "replied_contacts", "enrolled_contacts"),
    ("delivery_rate", "delivered_first_messages", "first_messages_sent"),
    ("carrier_block_rate", "carrier_blocked_messages", "campaign_messages_sent"),
)


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float | None, float | None]:
    """The Wilson score interval of successes / trials, (None, None) without trials."""
    if not trials:
        return None, None
    p = successes / trials
    scale = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / scale
    half = z / scale * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def _item(w: World, s: Scope, kind: str, item_id: str, account_id: str, name: str) -> dict:
    one = replace(
        s, account_id=account_id, account_ids=(account_id,), date_from=None, date_to=None,
        campaign_ids=frozenset({item_id}) if kind == "campaign" else None,
        template_ids=frozenset({item_id}) if kind == "template" else None,
    )  # fmt: skip
    counts, _, _ = messaging(w, one)
    row: dict[str, Any] = {f"{kind}_id": item_id, f"{kind}_name": name, "account_id": account_id}
    for key, numerator, denominator in RATES:
        x, n = counts[numerator], counts[denominator]
        lower, upper = wilson(x, n)
        row.update({numerator: x, denominator: n, key: rate(x, n),
                    f"{key}_lower": lower, f"{key}_upper": upper})  # fmt: skip
    return row


def _overlaps(items: list[dict], id_key: str) -> list[dict[str, Any]]:
    out = []
    for a, b in combinations(sorted(items, key=lambda r: r[id_key]), 2):
        for key, *_ in RATES:
            bounds = (a[f"{key}_lower"], a[f"{key}_upper"], b[f"{key}_lower"], b[f"{key}_upper"])
            overlap = None if None in bounds else bounds[0] <= bounds[3] and bounds[2] <= bounds[1]
            out.append({"item_a": a[id_key], "item_b": b[id_key], "rate": key, "overlap": overlap})
    return out


def compare(w: World, s: Scope):
    """Campaigns and templates of the scope (the chosen ones when some are chosen; when only
    one kind is chosen, the other is not listed), and the overlaps of each chosen kind."""
    candidates = {
        "campaign": [
            (c["campaign_id"], c["account_id"], c["campaign_name"]) for c in w.campaigns.values()
        ],
        "template": [
            (t["template_id"], t["account_id"], t["template_name"]) for t in w.rows["templates"]
        ],
    }
    chosen = {"campaign": s.campaign_ids, "template": s.template_ids}
    anything_chosen = bool(s.campaign_ids or s.template_ids)
    sections: dict[str, list] = {"overlaps": []}
    for kind, items in candidates.items():
        picked = chosen[kind]

        def listed(item_id: str, picked=picked) -> bool:
            return item_id in picked if anything_chosen and picked else not anything_chosen

        rows = [
            _item(w, s, kind, item_id, account_id, name)
            for item_id, account_id, name in items
            if account_id in s.account_ids and listed(item_id)
        ]
        sections[f"{kind}s"] = rows
        if picked:
            sections["overlaps"] += _overlaps(rows, f"{kind}_id")
    return {}, [], sections
