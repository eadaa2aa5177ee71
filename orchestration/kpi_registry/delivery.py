"""The delivery-status view (issue 13): outbound messages per final status and per error code
(the Apsis "bounces" tab, the carrier-block drill-down), with each code's meaning from the
delivery_error_codes seed. Every count is mart_delivery_status_daily.messages under a condition,
so the semantic layer has one metric for all of them (delivery_status_messages), grouped by
final status, error code or outcome."""

from orchestration.kpi_registry.definitions import (
    CAMPAIGNS,
    COUNT,
    SHARE,
    TEMPLATES,
    TRACKER,
    View,
    kpi,
    ratio,
)

_DS = "mart_delivery_status_daily.messages"
_METRIC = "delivery_status_messages"

# fmt: off
DELIVERY_STATUS = View(
    "delivery-status", frozenset({CAMPAIGNS, TEMPLATES, TRACKER}), dated=True,
    kpis=(
        kpi("outbound_messages", "Outbound messages", COUNT, _DS,
            "outbound messages created in range, canceled included (each under its final "
            "status)", per_period=True, metric=_METRIC),
        kpi("error_code_messages", "Messages with an error code", COUNT, _DS,
            "outbound messages whose final status carries an error code", per_period=True,
            metric=_METRIC),
        kpi("carrier_blocked_outbound_messages", "Carrier-blocked outbound messages", COUNT, _DS,
            "outbound messages (campaign or not) whose outcome is carrier_blocked",
            per_period=True, metric=_METRIC),
    ),
    sections={
        "by_status": (
            kpi("status_messages", "Messages per final status", COUNT, _DS,
                "outbound messages per final status (null: no callback yet)", metric=_METRIC),
            ratio("status_share", "Final status share", SHARE, "status_messages",
                  "status_messages", "its share of the outbound messages", metric=None),
        ),
        "by_error_code": (
            kpi("error_code_messages", "Messages per error code", COUNT, _DS,
                "outbound messages per final error code, with the code's meaning",
                metric=_METRIC),
            ratio("error_code_share", "Error code share", SHARE, "error_code_messages",
                  "error_code_messages", "its share of the messages with an error code",
                  metric=None),
        ),
    },
)
# fmt: on
