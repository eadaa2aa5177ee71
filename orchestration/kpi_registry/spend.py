"""Spend (issue 13): the platform's price per message, summed per currency. A table of the
messaging and usage views (``spend_by_currency``), never a headline number: spend in two
currencies has no total.

Conventions (fct_messages and mart_spend_daily say the same): the platform reports a charge
Twilio-style as a negative price, so spend = -price (a charge is positive, a refund negative);
a message without a price has unknown cost, counted in unpriced_messages, never as 0; each row
is one price_unit, and a currency-less row holds the unpriced messages (and any price given
without a currency).
"""

from orchestration.kpi_registry.definitions import COUNT, MEAN, kpi, ratio

_SPEND = "mart_spend_daily"

# fmt: off
SPEND_BY_CURRENCY = (
    kpi("priced_messages", "Priced messages", COUNT, f"{_SPEND}.priced_messages",
        "messages the platform gave a price (issue 13: spend)"),
    kpi("unpriced_messages", "Unpriced messages", COUNT, f"{_SPEND}.unpriced_messages",
        "messages without a price: cost unknown, not 0 (issue 13: spend)"),
    kpi("spend", "Spend", COUNT, f"{_SPEND}.spend",
        "sum of -price over the priced messages, per currency (issue 13: spend)",
        unit="money"),
    ratio("spend_per_priced_message", "Spend per priced message", MEAN, "spend",
          "priced_messages", "spend / priced_messages, per currency (issue 13: spend)",
          unit="money"),
)
# fmt: on
