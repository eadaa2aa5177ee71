"""Warning checks: the compliance audit's violations and the carrier-block anomalies.

Both only warn (severity WARN, never blocking): a violation or an anomaly is a finding about
how the accounts send, not a fault of the warehouse, so the publish goes on and the refresh
summary counts them apart. Each result names, per account, what it found (metadata
``by_account``; never ``failed_accounts``, which would hold an account back). The rules live in
the marts (fct_compliance_violations, mart_carrier_block_anomalies); this module only reads.
"""

from __future__ import annotations

from collections import defaultdict

import dagster as dg

COMPLIANCE_CHECK = "no_compliance_violations"
ANOMALY_CHECK = "no_carrier_block_anomalies"
COMPLIANCE_ASSET = dg.AssetKey(["marts", "fct_compliance_violations"])
ANOMALY_ASSET = dg.AssetKey(["marts", "mart_carrier_block_anomalies"])

SPECS = [
    dg.AssetCheckSpec(
        COMPLIANCE_CHECK,
        asset=COMPLIANCE_ASSET,
        description="Warns when an account sent after an opt-out, in the recipient's quiet "
        "hours or to a suppressed contact (counts per account and rule).",
    ),
    dg.AssetCheckSpec(
        ANOMALY_CHECK,
        asset=ANOMALY_ASSET,
        description="Warns, per account, when a template's or tracking number's carrier-block "
        "rate on the last day is far above its trailing 14-day baseline (one-sided z-test).",
    ),
]


def check_compliance(con) -> dg.AssetCheckResult:
    found = con.execute(
        "select account_id, rule, count(*) from marts.fct_compliance_violations "
        "group by account_id, rule order by account_id, rule"
    ).fetchall()
    by_account: dict[str, dict[str, int]] = defaultdict(dict)
    by_rule: dict[str, int] = defaultdict(int)
    for account, rule, count in found:
        by_account[account][rule] = count
        by_rule[rule] += count
    total = sum(by_rule.values())
    return dg.AssetCheckResult(
        check_name=COMPLIANCE_CHECK,
        asset_key=COMPLIANCE_ASSET,
        passed=total == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{total} compliance violations in {len(by_account)} accounts"
        + (f": {dict(by_rule)}" if total else ""),
        metadata={
            "violations": total,
            "by_rule": dg.MetadataValue.json(dict(by_rule)),
            "by_account": dg.MetadataValue.json(dict(by_account)),
        },
    )


def check_anomalies(con) -> dg.AssetCheckResult:
    flagged = con.execute(
        "select account_id, dimension, dimension_id, dimension_name, date_day, messages_sent, "
        "carrier_blocked_messages, baseline_messages_sent, baseline_carrier_blocked_messages, "
        "round(z_score, 2) from marts.mart_carrier_block_anomalies where is_anomaly "
        "order by account_id, z_score desc"
    ).fetchall()
    by_account: dict[str, list[str]] = defaultdict(list)
    for account, dimension, ident, name, day, sent, blocked, base_sent, base_blocked, z in flagged:
        by_account[account].append(
            f"{dimension} {name or ident} on {day}: {blocked}/{sent} blocked vs "
            f"{base_blocked}/{base_sent} in the baseline (z = {z})"
        )
    return dg.AssetCheckResult(
        check_name=ANOMALY_CHECK,
        asset_key=ANOMALY_ASSET,
        passed=not flagged,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(flagged)} carrier-block anomalies in {len(by_account)} accounts",
        metadata={
            "anomalies": len(flagged),
            "by_account": dg.MetadataValue.json(dict(by_account)),
        },
    )
