"""Landing checks: every landed row is staged, set aside or a duplicate, and data is fresh."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import dagster as dg

from orchestration.landing.contract import ENTITIES

FRESHNESS_ENV = "COMMS_WAREHOUSE_FRESHNESS_HOURS"
DEFAULT_FRESHNESS_HOURS = 36.0
RECONCILIATION_ASSET = dg.AssetKey(["audit", "audit__load_reconciliation"])


def _table(rows: list[dict]) -> str:
    lines = ["| entity | measure | expected | actual | match |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['entity']} | {r['measure']} | {r['expected']} | {r['actual']} | "
            f"{'yes' if r['match'] else '**NO**'} |"
        )
    return "\n".join(lines)


def check_reconciliation(con) -> dg.AssetCheckResult:
    """Per entity: rows in raw = staged + quarantined + duplicates, and = the ledger's rows."""
    quarantined = dict(
        con.execute(
            "select entity, count(*) from audit.audit__quarantined_rows group by entity"
        ).fetchall()
    )
    audit = {
        e: (landed, dup)
        for e, landed, dup in con.execute(
            "select entity, sum(landed_rows), sum(duplicate_rows) "
            "from audit.audit__load_reconciliation group by entity"
        ).fetchall()
    }
    ledger = dict(
        con.execute(
            "select entity, sum(rows_loaded) from raw._load_ledger where status = 'loaded' "
            "group by entity"
        ).fetchall()
    )
    rows = []

    def add(entity: str, measure: str, expected, actual) -> None:
        rows.append({"entity": entity, "measure": measure, "expected": expected,
                     "actual": actual, "match": expected == actual})  # fmt: skip

    for entity in sorted(ENTITIES):
        landed = con.execute(f'select count(*) from raw."{entity}"').fetchone()[0]
        staged = con.execute(f'select count(*) from staging."stg_platform__{entity}"').fetchone()[0]
        audit_landed, duplicates = audit.get(entity, (0, 0))
        duplicates = int(duplicates or 0)
        add(entity, "landed_rows_in_audit", landed, int(audit_landed or 0))
        add(entity, "rows_in_ledger", landed, int(ledger.get(entity, 0) or 0))
        add(entity, "staged+quarantined+duplicates", landed,
            staged + quarantined.get(entity, 0) + duplicates)  # fmt: skip
        add(entity, "duplicates_not_negative", 1, int(duplicates >= 0))
    mismatches = [r for r in rows if not r["match"]]
    return dg.AssetCheckResult(
        check_name="raw_rows_reconcile_with_staging",
        asset_key=RECONCILIATION_ASSET,
        passed=not mismatches,
        metadata={
            "comparisons": len(rows),
            "mismatches": len(mismatches),
            "details": dg.MetadataValue.md(_table(mismatches or rows)),
        },
        description=(
            f"{len(mismatches)} of {len(rows)} counts differ, e.g. {mismatches[0]['measure']} "
            f"of {mismatches[0]['entity']}: expected {mismatches[0]['expected']}, "
            f"found {mismatches[0]['actual']}"
            if mismatches
            else f"all {len(rows)} counts reconcile"
        ),
    )


def check_freshness(con, now: datetime | None = None) -> dg.AssetCheckResult:
    """Warns when the newest landed data is older than the allowed lag."""
    lag_hours = float(os.environ.get(FRESHNESS_ENV) or DEFAULT_FRESHNESS_HOURS)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    newest_export = con.execute(
        "select max(export_date) from raw._load_ledger where status = 'loaded'"
    ).fetchone()[0]
    newest_event = con.execute(
        "select max(created_at) from staging.stg_platform__messages where created_at <= $1",
        [now + timedelta(hours=1)],
    ).fetchone()[0]
    candidates = []
    if newest_export is not None:  # counted from the export day's start (UTC), conservatively
        candidates.append(datetime.combine(newest_export, datetime.min.time()))
    if newest_event is not None:
        candidates.append(newest_event)
    newest = min(max(candidates), now) if candidates else None
    age_hours = None if newest is None else (now - newest).total_seconds() / 3600
    passed = age_hours is not None and age_hours <= lag_hours
    return dg.AssetCheckResult(
        check_name="landed_data_is_fresh",
        asset_key=RECONCILIATION_ASSET,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "newest_export_date": str(newest_export),
            "newest_message_at": str(newest_event),
            "age_hours": age_hours,
            "allowed_lag_hours": lag_hours,
            "lag_setting": f"env {FRESHNESS_ENV} (default {DEFAULT_FRESHNESS_HOURS:g})",
        },
        description=(
            "nothing has landed"
            if age_hours is None
            else f"newest landed data is {age_hours:.1f} h old (allowed {lag_hours:g} h)"
        ),
    )
