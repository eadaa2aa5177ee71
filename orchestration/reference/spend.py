"""Spend per currency (issue 13: "spend ... currency kept, never summed across currencies"),
from the staged messages' price and price_unit.

Rules, as the issue and its design note state them: the platform reports a charge as a
negative price (Twilio-style), so what the account spent on a message is minus its price; a
message without a price has an unknown cost (counted as unpriced, never as 0); spend is added
up within one currency only, a message without a currency being its own group (None).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from orchestration.reference.scope import rate


def spend_by_currency(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per currency among ``messages``: priced and unpriced counts, spend (None when
    nothing is priced) and spend per priced message."""
    groups: dict[str | None, dict[str, Any]] = defaultdict(
        lambda: {"priced_messages": 0, "unpriced_messages": 0, "spend": None}
    )
    for m in messages:
        group = groups[m["price_unit"]]
        if m["price"] is None:
            group["unpriced_messages"] += 1
            continue
        group["priced_messages"] += 1
        group["spend"] = (group["spend"] or Decimal(0)) - Decimal(m["price"])
    out = []
    for unit, group in groups.items():
        spend = None if group["spend"] is None else float(group["spend"])
        out.append(
            {
                "price_unit": unit,
                "priced_messages": group["priced_messages"],
                "unpriced_messages": group["unpriced_messages"],
                "spend": spend,
                "spend_per_priced_message": rate(spend, group["priced_messages"]),
            }
        )
    return out
