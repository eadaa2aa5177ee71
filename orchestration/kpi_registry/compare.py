"""The compare view (issue 13): campaigns or templates side by side, each rate with its 95 %
Wilson score interval (``<rate>_lower`` / ``<rate>_upper`` beside it, from the marts) and, for
each pair of chosen items, whether the intervals overlap. As of now: each rate is the Reporting
page's with that one campaign (or template) chosen over its whole history, in its own account.

The entries have no semantic metric: an interval is per item, not an aggregate MetricFlow can
re-group (the plain rates are the messaging metrics, filtered by campaign or template)."""

from orchestration.kpi_registry.definitions import (
    CAMPAIGNS,
    COUNT,
    RATE,
    TEMPLATES,
    View,
    kpi,
    ratio,
)

# The rates compared, each as (key, label, numerator, denominator).
RATES = (
    ("reply_rate", "Reply rate", "replied_contacts", "enrolled_contacts"),
    ("delivery_rate", "Delivery rate", "delivered_first_messages", "first_messages_sent"),
    ("carrier_block_rate", "Carrier block rate", "carrier_blocked_messages",
     "campaign_messages_sent"),
)  # fmt: skip
_PARTS = {
    "replied_contacts": "contacts enrolled whose first reply falls in the item's history",
    "enrolled_contacts": "contacts enrolled (reply_rate's denominator)",
    "delivered_first_messages": "delivered first outbound message of each enrollment",
    "first_messages_sent": "first outbound message of each enrollment",
    "carrier_blocked_messages": "carrier_blocked outbound campaign messages",
    "campaign_messages_sent": "outbound campaign messages",
}


def _rates_of(mart: str):
    entries = []
    for key, label, numerator, denominator in RATES:
        for part in (numerator, denominator):
            entries.append(kpi(part, part.replace("_", " ").capitalize(), COUNT,
                               f"{mart}.{part}", _PARTS[part], metric=None))  # fmt: skip
        entries.append(
            ratio(
                key,
                label,
                RATE,
                numerator,
                denominator,
                f"{key} = {numerator} / {denominator}, with its 95 % Wilson interval",
                metric=None,
            )
        )
    return tuple(entries)


COMPARE = View(
    "compare",
    frozenset({CAMPAIGNS, TEMPLATES}),
    dated=False,
    kpis=(),
    sections={
        "campaigns": _rates_of("mart_campaign_rates"),
        "templates": _rates_of("mart_template_rates"),
    },
)
