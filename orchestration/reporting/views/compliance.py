"""The compliance audit (fct_compliance_violations) and the carrier-block anomaly flags
(mart_carrier_block_anomalies): the rules live in those models; these views list their rows
for an account scope."""

from __future__ import annotations

from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import rows

# rule -> its KPI key
RULES = {
    "sent_after_opt_out": "violations_after_opt_out",
    "sent_in_quiet_hours": "violations_in_quiet_hours",
    "sent_to_suppressed_contact": "violations_to_suppressed_contacts",
}


def build(s: Scope):
    """Violations of messages sent on a local day in range: one row per message and rule, with
    the evidence (the opt-out, the recipient's local time and zone, the suppression)."""
    w = s.where(date_column="x.date_day", account_column="x.account_id")
    found = rows(
        s.con,
        f"""
        select
            x.message_id,
            x.rule,
            x.account_id,
            x.contact_id,
            x.sent_at,
            x.opt_out_event_id,
            x.opt_out_message_id,
            x.opt_out_method,
            x.opted_out_at,
            x.recipient_local_sent_at,
            x.recipient_time_zone,
            x.time_zone_source,
            x.suppressed_at
        from marts.fct_compliance_violations as x
        where {w.sql()}
        order by x.sent_at, x.message_id, x.rule
        """,
        w.params,
    )
    kpis = {"compliance_violations": len(found)}
    kpis.update({key: sum(r["rule"] == rule for r in found) for rule, key in RULES.items()})
    return kpis, found, {}


def build_anomalies(s: Scope):
    """Every template and tracking number scored on its account's last day, anomalies first."""
    w = s.where(date_column=None, account_column="x.account_id")
    found = rows(
        s.con,
        f"""
        select
            x.account_id,
            x.dimension,
            x.dimension_id,
            x.dimension_name,
            x.date_day,
            x.messages_sent,
            x.carrier_blocked_messages,
            x.carrier_block_rate,
            x.baseline_messages_sent,
            x.baseline_carrier_blocked_messages,
            x.z_score,
            x.is_anomaly
        from marts.mart_carrier_block_anomalies as x
        where {w.sql()}
        order by x.is_anomaly desc, x.z_score desc, x.account_id, x.dimension, x.dimension_id
        """,
        w.params,
    )
    flagged = [r for r in found if r["is_anomaly"]]
    kpis = {
        "flagged_templates": sum(r["dimension"] == "template" for r in flagged),
        "flagged_tracking_numbers": sum(r["dimension"] == "tracking_number" for r in flagged),
    }
    return kpis, found, {}
