"""When the refresh runs: hourly, a daily full build, and as soon as new landing files appear.

All three ship stopped; switch them on in the Dagster UI (Automation) or with
`dagster schedule start` / `dagster sensor start` once a daemon runs (`make ui` starts one).
"""

import time
from collections.abc import Callable

import dagster as dg

from orchestration.dbt.assets import DBT_OP_NAME
from orchestration.landing.assets import export_days_changed_since, load_run_config
from orchestration.landing.discovery import LandingFile, discover
from orchestration.resources import Warehouse

# The hourly refresh loads export days with files written in this many recent hours.
RECENT_HOURS = 3

refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    description="Load new landing files, build every dbt model and run every check.",
)


def _refresh_request(
    context,
    warehouse: Warehouse,
    full_refresh: bool,
    days: Callable[[list[LandingFile]], set[str]],
    run_key: str | None = None,
) -> dg.RunRequest | dg.SkipReason:
    """A refresh run loading the export days `days` picks, then building and checking."""
    chosen = days(discover(warehouse.landing_root))
    if not chosen:
        return dg.SkipReason(f"no new landing files in {warehouse.landing_root}")
    return dg.RunRequest(
        run_key=run_key,
        run_config={
            "ops": {
                **load_run_config(chosen),
                DBT_OP_NAME: {"config": {"full_refresh": full_refresh}},
            }
        },
    )


@dg.schedule(job=refresh_job, cron_schedule="0 * * * *", name="hourly_refresh")
def hourly_refresh(context: dg.ScheduleEvaluationContext, warehouse: Warehouse):
    """Load what landed in the last few hours, build incrementally, run every check.

    The overlap makes a late tick harmless (loaded files are skipped); a file for an old day
    that lands outside it is picked up by the sensor or the daily full build.
    """
    since = time.time() - RECENT_HOURS * 3600
    return _refresh_request(
        context, warehouse, full_refresh=False, days=lambda f: export_days_changed_since(f, since)
    )


@dg.schedule(job=refresh_job, cron_schedule="30 3 * * *", name="daily_full_build")
def daily_full_build(context: dg.ScheduleEvaluationContext, warehouse: Warehouse):
    """Reload check every export day and rebuild incremental models from scratch, once a day."""
    return _refresh_request(
        context, warehouse, full_refresh=True, days=lambda f: {d.isoformat() for d in _days(f)}
    )


@dg.sensor(job=refresh_job, minimum_interval_seconds=60, name="new_landing_files")
def new_landing_files(context: dg.SensorEvaluationContext, warehouse: Warehouse):
    """Start a refresh for the export days whose files changed since the last one it started.

    The cursor is the newest file modification time seen.
    """
    since = float(context.cursor or 0)
    files = discover(warehouse.landing_root)
    newest = max((f.path.stat().st_mtime for f in files), default=since)
    request = _refresh_request(
        context,
        warehouse,
        full_refresh=False,
        days=lambda f: export_days_changed_since(f, since),
        run_key=f"landing-{newest}",
    )
    context.update_cursor(str(max(newest, since)))
    return request


def _days(files: list[LandingFile]):
    return {f.export_date for f in files if f.export_date}
