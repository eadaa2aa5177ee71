"""Views of how the accounts send: the compliance audit (messages sent against a texting rule)
and the carrier-block anomaly flags."""

from orchestration.kpi_registry.definitions import DISTINCT, View, kpi

# fmt: off
_CV = "fct_compliance_violations"
COMPLIANCE = View(
    "compliance", frozenset(), dated=True,
    kpis=(
        kpi("compliance_violations", "Compliance violations", DISTINCT, f"{_CV}.violation_id",
            "compliance audit: messages sent against a rule, one per message and rule"),
        kpi("violations_after_opt_out", "Sent after an opt-out", DISTINCT,
            f"{_CV}.violation_id",
            "sent to a contact whose latest opt event with the account was an opt-out"),
        kpi("violations_in_quiet_hours", "Sent in quiet hours", DISTINCT,
            f"{_CV}.violation_id", "sent 21:00-08:00 in the recipient's local time"),
        kpi("violations_to_suppressed_contacts", "Sent to suppressed contacts", DISTINCT,
            f"{_CV}.violation_id", "sent to a contact on the 3-hard-bounce suppression list"),
    ),
)

_CBA = "mart_carrier_block_anomalies"
CARRIER_BLOCK_ANOMALIES = View(
    "carrier-block-anomalies", frozenset(), dated=False,
    kpis=(
        kpi("flagged_templates", "Templates flagged", DISTINCT, f"{_CBA}.anomaly_check_id",
            "templates whose carrier-block rate on the last day is far above their baseline"),
        kpi("flagged_tracking_numbers", "Tracking numbers flagged", DISTINCT,
            f"{_CBA}.anomaly_check_id",
            "numbers whose carrier-block rate on the last day is far above their baseline"),
    ),
)
# fmt: on
