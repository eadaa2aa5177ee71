"""When the refresh runs: hourly, a daily full build, and as soon as new landing files appear.

All three ship stopped; switch them on in the Dagster UI (Automation) or with
`dagster schedule start` / `dagster sensor start` once a daemon runs (`make ui` starts one).
"""

import hashlib

import dagster as dg

from orchestration.landing.assets import all_export_days_tags, register_export_days
from orchestration.landing.loader import discover
from orchestration.resources import Warehouse

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Load new landing files, build every dbt model and run every check.",
)


def _refresh_request(
    context, warehouse: Warehouse, full_refresh: bool, run_key: str | None = None
) -> dg.RunRequest | dg.SkipReason:
    days = register_export_days(context.instance, warehouse.landing_root)
    if not days:
        return dg.SkipReason(f"nothing has landed in {warehouse.landing_root} yet")
    return dg.RunRequest(
        run_key=run_key,
        run_config={"ops": {"warehouse_dbt_assets": {"config": {"full_refresh": full_refresh}}}},
        tags=all_export_days_tags(days),
    )


@dg.schedule(job=refresh_job, cron_schedule="0 * * * *", name="hourly_refresh")
def hourly_refresh(context: dg.ScheduleEvaluationContext, warehouse: Warehouse):
    """Load whatever landed, build incrementally, run every check."""
    return _refresh_request(context, warehouse, full_refresh=False)


@dg.schedule(job=refresh_job, cron_schedule="30 3 * * *", name="daily_full_build")
def daily_full_build(context: dg.ScheduleEvaluationContext, warehouse: Warehouse):
    """Rebuild incremental models from scratch once a day, so drift cannot accumulate."""
    return _refresh_request(context, warehouse, full_refresh=True)


@dg.sensor(job=refresh_job, minimum_interval_seconds=60, name="new_landing_files")
def new_landing_files(context: dg.SensorEvaluationContext, warehouse: Warehouse):
    """Start a refresh when the set of landing files changes (the cursor is its fingerprint)."""
    files = sorted(
        f"{f.relative_path}:{f.path.stat().st_size}" for f in discover(warehouse.landing_root)
    )
    fingerprint = hashlib.sha256("\n".join(files).encode()).hexdigest()
    if fingerprint == context.cursor:
        return dg.SkipReason("no new landing files")
    request = _refresh_request(context, warehouse, full_refresh=False, run_key=fingerprint)
    context.update_cursor(fingerprint)
    return request
